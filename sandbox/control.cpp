#include "sandbox/control.hpp"

#include "sandbox/notifier.hpp"
#include "sandbox/server.hpp"
#include "sandbox/wire.hpp"

#include <nlohmann/json.hpp>

namespace recharged::sandbox {
namespace {

using json = nlohmann::json;

http::Response json_answer(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(2, ' ', false, json::error_handler_t::replace);
  r.headers.set("Content-Type", "application/json");
  return r;
}

http::Response problem(int status, std::string code, std::string message) {
  return json_answer(status, json{{"code", std::move(code)}, {"message", std::move(message)}});
}

bool loopback(const std::string& addr) { return addr.starts_with("127.") || addr == "::1" || addr == "::ffff:127.0.0.1"; }

json payment_json(const Payment& p) {
  json j{{"channel", to_string(p.channel)},
         {"paid_at", format_rfc3339(p.paid_at)},
         {"lands_at", format_rfc3339(p.lands_at)},
         {"amount", p.amount}};
  if (p.return_reason) j["return_reason"] = *p.return_reason;
  return j;
}

json truth_object(const OrderTruth& t) {
  json j;
  j["order"] = json::parse(write_order(t.deposit));
  j["notify_url"] = t.notify_url.value_or("");
  j["remark"] = t.remark.value_or("");
  j["applied_at"] = format_rfc3339(t.applied_at);
  j["expires_at"] = format_rfc3339(t.expires_at);
  j["applies"] = t.applies;
  j["queries"] = t.queries;
  j["closes"] = t.closes;
  j["plan"] = json::array();
  for (const auto& p : t.plan.payments) j["plan"].push_back(payment_json(p));
  j["fund_returns"] = json::array();
  for (const auto& f : t.returns) j["fund_returns"].push_back(json::parse(write_fund_returned(f)));
  return j;
}

json counters_json(const PlatformCounters& c) {
  return json{{"apply_calls", c.apply_calls}, {"duplicate_applies", c.duplicate_applies}, {"queries", c.queries},
              {"closes", c.closes},           {"orders", c.orders},                       {"recharging", c.recharging},
              {"success", c.success},         {"closed", c.closed},                       {"fund_returns", c.fund_returns}};
}

json stats_json(const CallStats& s, const Platform& platform) {
  json calls = json::object();
  for (const auto& [endpoint, by_status] : s.calls)
    for (const auto& [status, n] : by_status) calls[endpoint][std::to_string(status)] = n;
  json applies = json::object();
  std::uint64_t most = 0;
  for (const auto& t : platform.orders()) {
    applies[t.deposit.out_recharge_no] = t.applies;
    most = std::max(most, t.applies);
  }
  return json{{"calls", calls},
              {"hosts", s.hosts},
              {"faults", s.faults},
              {"overlapping", s.overlapping},
              {"platform", counters_json(platform.counters())},
              {"applies", applies},
              {"max_applies_per_order", most}};
}

json deliveries_json(const Notifier* notifier) {
  json list = json::array();
  if (notifier == nullptr) return list;
  for (const auto& d : notifier->deliveries())
    list.push_back(json{{"id", d.id},
                        {"event_type", d.event_type},
                        {"out_recharge_no", d.out_recharge_no},
                        {"url", d.url},
                        {"state", to_string(d.state)},
                        {"attempts", d.attempts},
                        {"last_status", d.last_status},
                        {"last_error", d.last_error},
                        {"created", format_rfc3339(d.created)},
                        {"next_attempt", format_rfc3339(d.next_attempt)},
                        {"resource", json::parse(d.plaintext, nullptr, false)}});
  return list;
}

Result<PayRequest> pay_request(const http::ServerRequest& r) {
  PayRequest p;
  const auto channel = parse_channel(r.query_param("channel").value_or("QR_RECHARGE"));
  if (!channel) return Error::invalid("channel", "channel must be QR_RECHARGE, BANK_TRANSFER or ONLINE_BANK.");
  p.channel = *channel;
  const auto settle = r.query_param("settle").value_or("realistic");
  if (settle != "now" && settle != "realistic") return Error::invalid("settle", "settle must be now or realistic.");
  p.settlement = settle == "now" ? Settlement::immediate : Settlement::realistic;
  if (auto reason = r.query_param("return_reason"); reason && !reason->empty()) p.return_reason = std::string(*reason);
  return p;
}

Status apply_fault_settings(FaultConfig& config, const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error::invalid("faults", "The body must be a JSON object such as {\"server_error\": 0.1}.");
  for (const auto& [key, value] : j.items()) {
    std::string text;
    if (value.is_string()) text = value.get<std::string>();
    else if (value.is_number()) text = value.dump();
    else return Error::invalid("faults", "The fault setting " + key + " must be a number or a string.");
    RECHARGED_CHECK(set_fault(config, key, text));
  }
  return {};
}

using Handler = std::function<http::Response(const http::ServerRequest&)>;

// Loopback callers only; a handler that throws (malformed JSON in a truth) becomes a 500 by the server.
Handler guarded(Handler h) {
  return [h = std::move(h)](const http::ServerRequest& r) {
    if (!loopback(r.remote_addr)) return problem(403, "FORBIDDEN", "The sandbox control API answers loopback callers only.");
    return h(r);
  };
}

} // namespace

std::string truth_json(const OrderTruth& truth) { return truth_object(truth).dump(2); }

void register_control_routes(http::Server& server, Platform& platform, FaultInjector& faults,
                             const Notifier* notifier, std::function<CallStats()> stats) {
  using http::Method;
  const std::string order = "/sandbox/orders/([0-9A-Za-z]{1,64})";
  server.route(Method::get, "/sandbox/clock", guarded([&platform](const http::ServerRequest&) {
    const TimePoint now = platform.clock().now();
    return json_answer(200, json{{"now", format_rfc3339(now)}, {"now_utc", format_utc(now)}, {"unix", unix_seconds(now)}});
  }));
  server.route(Method::get, "/sandbox/orders", guarded([&platform](const http::ServerRequest& r) {
    const auto state = r.query_param("state");
    json list = json::array();
    for (const auto& t : platform.orders())
      if (!state || to_string(t.deposit.recharge_state) == *state) list.push_back(truth_object(t));
    return json_answer(200, json{{"orders", list}});
  }));
  server.route(Method::get, order, guarded([&platform](const http::ServerRequest& r) {
    const auto truth = platform.truth(r.path_params.at(0));
    return truth ? json_answer(200, truth_object(*truth)) : problem(404, "NOT_FOUND", "No such order.");
  }));
  server.route(Method::post, order + "/pay", guarded([&platform](const http::ServerRequest& r) {
    auto request = pay_request(r);
    if (!request) return problem(400, "PARAM_ERROR", request.error().message);
    auto paid = platform.pay_now(r.path_params.at(0), *request);
    if (!paid) return problem(paid.error().status, paid.error().body.code, paid.error().body.message);
    return json_answer(200, truth_object(*paid));
  }));
  server.route(Method::get, "/sandbox/faults", guarded([&faults](const http::ServerRequest&) {
    return json_answer(200, json(describe(faults.config())));
  }));
  server.route(Method::post, "/sandbox/faults", guarded([&faults](const http::ServerRequest& r) {
    FaultConfig config = faults.config();
    if (auto ok = apply_fault_settings(config, r.body); !ok) return problem(400, "PARAM_ERROR", ok.error().message);
    faults.set_config(config);
    return json_answer(200, json(describe(config)));
  }));
  server.route(Method::get, "/sandbox/stats", guarded([&platform, stats](const http::ServerRequest&) {
    return json_answer(200, stats_json(stats(), platform));
  }));
  server.route(Method::get, "/sandbox/notifications", guarded([notifier](const http::ServerRequest&) {
    return json_answer(200, json{{"notifications", deliveries_json(notifier)}});
  }));
}

} // namespace recharged::sandbox
