#include "api/order_routes.hpp"

#include "api/problem.hpp"
#include "api/request_parsing.hpp"
#include "engine/order_intake.hpp"
#include "storage/order_json.hpp"
#include "wxpay/validation.hpp"

#include <chrono>

namespace recharged::api {
namespace {

using nlohmann::json;
using orders::OrderState;

http::Response json_response(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = storage::dump_json(body);
  return r;
}

std::string order_path(const std::string& no) { return "/v1/orders/" + no; }

// An order as the answer of a write: 202 + Retry-After while its outcome is open, else `status`.
http::Response order_response(int status, const orders::Order& order) {
  http::Response r = json_response(status, storage::order_object(order));
  r.headers.set("Location", order_path(order.out_recharge_no));
  if (status == 202) r.headers.set("Retry-After", std::to_string(k_retry_after.count()));
  return r;
}

// A 409 for an order in a state that refuses what was asked, with the order beside the problem.
http::Response held_response(const orders::Order& order, const std::string& detail) {
  Problem p;
  p.status = 409;
  p.code = order.state == OrderState::suspect ? "suspect" : "refused";
  p.title = order.state == OrderState::suspect ? "The order is held for a human" : "Refused";
  p.detail = detail;
  http::Response r = problem_response(p);
  json body = json::parse(r.body);
  body["order"] = storage::order_object(order);
  r.body = storage::dump_json(body);
  return r;
}

http::Response bad_request(const Error& e) {
  Problem p = problem_for(e);
  if (e.code == "malformed_json") {
    p.status = 400;
    p.code = "malformed_json";
    p.title = "The request body is not JSON";
  }
  return problem_response(p);
}

Error unknown_order(const std::string& no) {
  Error e = Error::make(ErrorKind::not_found, "unknown_order", "There is no order '" + no + "' in the database.");
  e.field = "out_recharge_no";
  return e;
}

} // namespace

Result<wxpay::ApplyRequest> OrderRoutes::keyed_request(engine::ApplyInput input, const std::string& key) {
  const std::string hash = request_hash(input);
  RECHARGED_TRY(auto found, ctx_.keys.find(key));
  if (!found) {
    const auto fresh = engine::apply_request(input, ctx_.apply_defaults, ctx_.clock.now());
    RECHARGED_CHECK(wxpay::validate(fresh)); // an invalid request does not use up the key
    RECHARGED_TRY(found, ctx_.keys.remember({key, hash, fresh.out_recharge_no, ctx_.clock.now()}));
  }
  if (found->request_hash != hash) {
    Error e = Error::invalid("Idempotency-Key", "The Idempotency-Key '" + key +
                                                    "' was first used with a different request (for the order " +
                                                    found->out_recharge_no +
                                                    "); retry with exactly that request, or use a new key for a new order.");
    e.code = "idempotency_key_reused";
    return e;
  }
  input.out_recharge_no = found->out_recharge_no; // the number the key stands for, generated or given
  return engine::apply_request(input, ctx_.apply_defaults, found->created_at);
}

http::Response OrderRoutes::create(const http::ServerRequest& req) {
  auto input = parse_create_body(req.body);
  if (!input) return bad_request(input.error());
  Result<wxpay::ApplyRequest> request = engine::apply_request(*input, ctx_.apply_defaults, ctx_.clock.now());
  if (const auto key = req.headers.get("Idempotency-Key")) {
    if (auto ok = validate_idempotency_key(*key); !ok) return problem_response(ok.error());
    request = keyed_request(std::move(*input), std::string(*key));
    if (!request) {
      Problem p = problem_for(request.error());
      if (request.error().code == "idempotency_key_reused") p.code = "idempotency_key_reused";
      return problem_response(p);
    }
  }
  return created(*request);
}

http::Response OrderRoutes::created(const wxpay::ApplyRequest& request) {
  const std::string& no = request.out_recharge_no;
  if (auto ok = wxpay::validate(request); !ok) return problem_response(ok.error());
  // 201 when the order did not exist before this request. Two identical requests racing may both see it missing
  // and both answer 201 for the one order; never the reverse.
  auto before = ctx_.store.find(no);
  if (!before) return problem_response(before.error());
  auto order = ctx_.service.apply(request);
  if (!order) {
    // The apply may have reached the platform: the order stays NEW, and a later request (or the daemon) settles it.
    if (order.error().retryable())
      if (auto now = ctx_.store.find(no); now && *now && (*now)->state == OrderState::new_order)
        return order_response(202, **now);
    return problem_response(order.error());
  }
  switch (order->state) {
  case OrderState::new_order: return order_response(202, *order);
  case OrderState::rejected:
    return held_response(*order, "WeChat Pay refused the order " + no + ": " + order->last_error);
  case OrderState::suspect:
    return held_response(*order, "The order " + no + " is SUSPECT and held for a human; see GET " + order_path(no) +
                                     " for its timeline.");
  default: return order_response(*before ? 200 : 201, *order);
  }
}

http::Response OrderRoutes::get(const std::string& no) {
  if (auto ok = wxpay::validate_out_recharge_no(no); !ok) return problem_response(ok.error());
  auto order = ctx_.store.find(no);
  if (!order) return problem_response(order.error());
  if (!*order) return problem_response(unknown_order(no));
  auto events = ctx_.store.events((*order)->id);
  if (!events) return problem_response(events.error());
  auto notes = ctx_.store.notifications(no);
  if (!notes) return problem_response(notes.error());
  auto returns = ctx_.store.fund_returns((*order)->id);
  if (!returns) return problem_response(returns.error());
  return json_response(200, storage::order_detail_object(**order, *events, *notes, *returns));
}

http::Response OrderRoutes::list(const http::ServerRequest& req) {
  auto query = parse_list_query(req.query);
  if (!query) return problem_response(query.error());
  auto filter = engine::list_filter(*query, ctx_.clock.now(), [](std::string_view f) { return std::string(f); });
  if (!filter) return problem_response(filter.error());
  auto page = ctx_.store.list(*filter);
  if (!page) return problem_response(page.error());
  json orders = json::array();
  for (const auto& o : page->orders) orders.push_back(storage::order_object(o));
  return json_response(200, json{{"orders", std::move(orders)},
                                 {"next_cursor", page->next ? json(storage::format_cursor(*page->next)) : json(nullptr)}});
}

http::Response OrderRoutes::sync(const std::string& no) {
  if (auto ok = wxpay::validate_out_recharge_no(no); !ok) return problem_response(ok.error());
  auto order = ctx_.service.sync(no, orders::EventSource::operator_action);
  if (!order) return problem_response(order.error());
  return order_response(order->state == OrderState::new_order ? 202 : 200, *order);
}

http::Response OrderRoutes::close(const std::string& no) {
  if (auto ok = wxpay::validate_out_recharge_no(no); !ok) return problem_response(ok.error());
  auto order = ctx_.service.close(no, orders::EventSource::operator_action);
  if (!order) return problem_response(order.error());
  switch (order->state) {
  case OrderState::closed:
  case OrderState::success: return order_response(200, *order); // paid before the close: the state says so
  case OrderState::rejected:
    return held_response(*order, "The order " + no + " is REJECTED: WeChat Pay never accepted it, so there is nothing "
                                                     "to close.");
  case OrderState::suspect:
    return held_response(*order, "The order " + no + " is SUSPECT and held for a human; it was not closed.");
  case OrderState::closing: return order_response(202, *order); // confirmed by a later query
  default: {
    Problem p;
    p.status = 503;
    p.code = "platform_unavailable";
    p.title = "WeChat Pay could not be reached; retry later";
    p.detail = "The order " + no + " is still " + std::string(orders::to_string(order->state)) +
               ": the close did not go through (" + order->last_error + "); retry, or let the daemon close it.";
    p.retry_after = k_retry_after;
    return problem_response(p);
  }
  }
}

http::Response OrderRoutes::events(const http::ServerRequest& req) {
  auto query = parse_events_query(req.query, ctx_.max_wait);
  if (!query) return problem_response(query.error());
  const auto deadline = std::chrono::steady_clock::now() + query->wait;
  for (;;) {
    auto rows = ctx_.feed.after(query->after, query->limit);
    if (!rows) return problem_response(rows.error());
    const bool waited_enough = std::chrono::steady_clock::now() >= deadline || ctx_.stop.stop_requested();
    if (!rows->empty() || waited_enough) {
      json events = json::array();
      for (const auto& e : *rows) events.push_back(storage::event_envelope(e));
      const std::int64_t next = rows->empty() ? query->after : rows->back().id;
      return json_response(200, json{{"events", std::move(events)}, {"next_cursor", std::to_string(next)}});
    }
    const auto step = std::chrono::steady_clock::now() + ctx_.poll_step;
    (void)ctx_.stop.wait_until(std::min(step, deadline));
  }
}

} // namespace recharged::api
