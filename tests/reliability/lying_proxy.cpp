#include "tests/reliability/lying_proxy.hpp"

#include "wxpay/codec.hpp"
#include "wxpay/signing.hpp"

#include <algorithm>
#include <stdexcept>

namespace recharged::test {
namespace {

// The request headers recharged sends that the platform reads; everything else is the proxy's own business.
constexpr const char* k_forwarded[] = {"Authorization", "Accept", "User-Agent", "Content-Type", "Wechatpay-Serial"};

// Held answers (sandbox timeout faults) each keep a worker; all of recharged's connections come from loopback.
http::ServerOptions server_options(std::size_t threads) {
  http::ServerOptions o;
  o.workers = threads;
  o.idle_timeout = std::chrono::seconds{15};
  o.request_timeout = Millis{20'000}; // counts a kept-alive connection's idle time too
  o.max_connections = 1024;
  o.max_connections_per_ip = 0;
  return o;
}

// The order as a liar would like recharged to believe it.
void twist(wxpay::MchDeposit& d, std::mt19937_64& rng, TimePoint now) {
  using wxpay::RechargeState;
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
  case 0: d.recharge_amount.amount = d.recharge_amount.amount.value_or(0) + 1; return; // the amount (would quarantine the order)
  case 1: d.recharge_id = "4200000000" + std::to_string(rng() % 1'000'000'000); return;
  default: break;
  }
  if (d.recharge_state.value == RechargeState::success || std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
    d.recharge_state = RechargeState::closed;                          // "closed": the money would go unrecorded
    d.recharge_state_desc = "平台商户主动关闭充值单";
    d.recharge_channel.reset();
    d.success_time.reset();
    d.close_time = now;
  } else {
    d.recharge_state = RechargeState::success;                         // "paid": money that never came
    d.recharge_state_desc = "充值成功";
    d.recharge_channel = wxpay::RechargeChannel::qr_recharge;
    d.success_time = now;
  }
}

} // namespace

std::string_view to_string(Forgery f) noexcept {
  switch (f) {
  case Forgery::tampered_body: return "tampered_body";
  case Forgery::attacker_key: return "attacker_key";
  case Forgery::probe: return "probe";
  case Forgery::unsigned_answer: return "unsigned_answer";
  }
  return "?";
}

LyingProxy::LyingProxy(LyingProxyOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), attacker_key_(crypto::PrivateKey::generate(2048)),
      server_(server_options(options_.threads)), rng_(options_.seed) {
  http::CurlOptions o;
  o.hosts = {options_.upstream};
  o.connect_timeout = Millis{2'000};
  o.timeout = Millis{20'000}; // longer than any held answer: the sandbox decides how an exchange ends
  upstream_ = std::make_unique<http::CurlTransport>(o, clock_);
  const std::string order = std::string(wxpay::k_order_path) + "([^/]+)";
  auto relay_as = [this](wxpay::Endpoint e) {
    return [this, e](const http::ServerRequest& r) { return relay(e, r); };
  };
  server_.route(http::Method::post, std::string(wxpay::k_apply_path), relay_as(wxpay::Endpoint::apply));
  server_.route(http::Method::get, order, relay_as(wxpay::Endpoint::query));
  server_.route(http::Method::post, order + "/close", relay_as(wxpay::Endpoint::close));
}

LyingProxy::~LyingProxy() { stop(); }

void LyingProxy::start() {
  if (auto port = server_.start("127.0.0.1", 0); !port) throw std::runtime_error("lying proxy: " + port.error().message);
}

void LyingProxy::stop() { server_.stop(); }

std::string LyingProxy::base_url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

http::Response LyingProxy::relay(wxpay::Endpoint endpoint, const http::ServerRequest& request) {
  {
    std::lock_guard lock(mu_);
    arrivals_[endpoint].push_back(clock_.now());
  }
  http::Request up;
  up.method = request.method;
  up.target = request.target;
  up.body = request.body;
  for (const char* name : k_forwarded)
    if (auto v = request.headers.get(name)) up.headers.set(name, std::string(*v));
  auto answer = upstream_->send(up);
  if (!answer) {
    http::Response dropped;
    dropped.status = http::k_drop_connection; // the sandbox reset or held the exchange: so do we
    return dropped;
  }
  const std::string request_id(answer->headers.get("Request-ID").value_or(""));
  const bool genuine = wxpay::verify_signature(options_.trusted, answer->headers, answer->body, clock_.now()).ok();
  std::optional<Forgery> forge;
  {
    std::lock_guard lock(mu_);
    const bool lie = answer->status / 100 == 2 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.forge_rate;
    if (lie) forge = static_cast<Forgery>(std::uniform_int_distribution<int>(0, 3)(rng_));
    else if (genuine && !request_id.empty()) verified_.insert(request_id);
  }
  if (!forge) return genuine ? rewritten(endpoint, std::move(*answer)) : std::move(*answer);
  const auto body = forged_body(endpoint, answer->body);
  if (!body) return std::move(*answer);
  http::Response out;
  out.status = answer->status;
  sign_forged(*forge, *body, *answer, out);
  return out;
}

http::Response LyingProxy::rewritten(wxpay::Endpoint endpoint, http::Response answer) {
  if (!options_.rewrite || !options_.platform_key || answer.status / 100 != 2) return answer;
  std::string body = answer.body;
  const std::string genuine_id(answer.headers.get("Request-ID").value_or(""));
  std::string request_id = genuine_id;
  if (!options_.rewrite(endpoint, body, request_id)) return answer;
  http::Response out;
  out.status = answer.status;
  out.body = body;
  out.headers.set("Content-Type", "application/json");
  out.headers.set("Request-ID", request_id);
  wxpay::sign_response(*options_.platform_key, options_.public_key_id, body, unix_seconds(clock_.now()), "rewritten",
                       out.headers);
  std::lock_guard lock(mu_);
  verified_.insert(request_id);
  if (request_id != genuine_id) substituted_[request_id] = genuine_id;
  return out;
}

std::optional<std::string> LyingProxy::forged_body(wxpay::Endpoint endpoint, const std::string& body) {
  std::lock_guard lock(mu_);
  if (endpoint == wxpay::Endpoint::apply) {
    auto a = wxpay::decode_apply_response(body);
    if (!a) return std::nullopt;
    a->recharge_id = "4200000000" + std::to_string(rng_() % 1'000'000'000);
    a->recharge_url = "https://attacker.invalid/pay";
    return wxpay::encode(*a);
  }
  auto d = wxpay::decode_mch_deposit(body);
  if (!d) return std::nullopt;
  twist(*d, rng_, clock_.now());
  std::string forged = wxpay::encode(*d);
  if (forged == body) { // e.g. "closed by the merchant, now" over a close answer made this very second
    d->recharge_amount.amount = d->recharge_amount.amount.value_or(0) + 1;
    forged = wxpay::encode(*d);
  }
  return forged;
}

void LyingProxy::sign_forged(Forgery kind, const std::string& body, const http::Response& original,
                             http::Response& out) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    id = "FORGED" + std::to_string(next_forged_id_++);
    forged_.insert(id);
    substituted_[id] = std::string(original.headers.get("Request-ID").value_or(""));
    ++forgeries_[kind];
  }
  out.body = body;
  out.headers.set("Content-Type", "application/json");
  out.headers.set("Request-ID", id);
  const std::int64_t ts = unix_seconds(clock_.now());
  switch (kind) {
  case Forgery::tampered_body:
    for (const char* h : {"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature",
                          "Wechatpay-Signature-Type"})
      if (auto v = original.headers.get(h)) out.headers.set(h, std::string(*v));
    break;
  case Forgery::attacker_key:
    wxpay::sign_response(attacker_key_, options_.public_key_id, body, ts, "forgednonce", out.headers);
    break;
  case Forgery::probe: {
    wxpay::sign_response(attacker_key_, options_.public_key_id, body, ts, "forgednonce", out.headers);
    out.headers.set("Wechatpay-Signature",
                    std::string(wxpay::k_probe_prefix) + std::string(out.headers.get("Wechatpay-Signature").value_or("")));
    break;
  }
  case Forgery::unsigned_answer: break;
  }
}

std::set<std::string> LyingProxy::verified_request_ids() const {
  std::lock_guard lock(mu_);
  return verified_;
}

std::set<std::string> LyingProxy::forged_request_ids() const {
  std::lock_guard lock(mu_);
  return forged_;
}

std::map<std::string, std::string> LyingProxy::substituted_request_ids() const {
  std::lock_guard lock(mu_);
  return substituted_;
}

std::map<Forgery, std::size_t> LyingProxy::forgeries() const {
  std::lock_guard lock(mu_);
  return forgeries_;
}

std::vector<TimePoint> LyingProxy::arrivals(wxpay::Endpoint endpoint) const {
  std::lock_guard lock(mu_);
  const auto it = arrivals_.find(endpoint);
  return it == arrivals_.end() ? std::vector<TimePoint>{} : it->second;
}

double worst_rate_excess(const std::vector<TimePoint>& times, double rate, double burst, Millis slack) {
  double worst = -burst;
  const double slack_s = std::chrono::duration<double>(slack).count();
  for (std::size_t i = 0; i < times.size(); ++i)
    for (std::size_t j = i; j < times.size(); ++j) {
      const double span = std::chrono::duration<double>(times[j] - times[i]).count();
      const double allowed = burst + rate * (span + slack_s);
      worst = std::max(worst, static_cast<double>(j - i + 1) - allowed);
    }
  return worst;
}

} // namespace recharged::test
