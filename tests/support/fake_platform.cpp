#include "tests/support/fake_platform.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"
#include "wxpay/codec.hpp"

#include <charconv>
#include <set>
#include <stdexcept>
#include <thread>

namespace recharged::test {
namespace {

std::string request_id() { return "08" + crypto::random_alnum(30); }

std::optional<std::int64_t> parse_seconds(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

} // namespace

Reply Reply::json(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply Reply::error(int status, std::string_view code, std::string_view message) {
  wxpay::ErrorBody e;
  e.code = std::string(code);
  e.message = std::string(message);
  return json(status, wxpay::encode(e));
}

FakePlatform::FakePlatform(const TestKeys& keys, const Clock& clock)
    : keys_(keys), clock_(clock), fallback_(Reply::error(500, "SYSTEM_ERROR", "fake platform: no scripted reply")) {
  auto handler = [this](const http::ServerRequest& r) { return handle(r); };
  server_.route(http::Method::get, ".*", handler);
  server_.route(http::Method::post, ".*", handler);
}

FakePlatform::~FakePlatform() { stop(); }

void FakePlatform::start() {
  auto port = server_.start("127.0.0.1", 0);
  if (!port) throw std::runtime_error(port.error().message);
  port_ = *port;
}

void FakePlatform::stop() { server_.stop(); }

http::BaseUrl FakePlatform::base_url() const { return http::BaseUrl{"http", "127.0.0.1", port_}; }

void FakePlatform::enqueue(Reply reply) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(reply));
}

void FakePlatform::set_fallback(Reply reply) {
  std::lock_guard lock(mu_);
  fallback_ = std::move(reply);
}

std::vector<SeenRequest> FakePlatform::requests() const {
  std::lock_guard lock(mu_);
  return seen_;
}

std::size_t FakePlatform::connection_count() const {
  std::lock_guard lock(mu_);
  std::set<std::string> distinct;
  for (const auto& r : seen_) distinct.insert(r.connection);
  return distinct.size();
}

std::string FakePlatform::check_authorization(const http::ServerRequest& r) const {
  const auto header = r.headers.get("Authorization");
  if (!header) return "no Authorization header";
  auto fields = wxpay::parse_authorization(*header);
  if (!fields) return fields.error().message;
  if (fields->mchid != keys_.merchant.mchid) return "mchid " + fields->mchid + " is not the merchant's";
  if (fields->serial_no != keys_.merchant.serial_no) return "serial_no " + fields->serial_no + " is unknown";
  const auto ts = parse_seconds(fields->timestamp);
  if (!ts) return "timestamp is not a number";
  const std::int64_t skew = unix_seconds(clock_.now()) - *ts;
  if (skew >= 300 || skew <= -300) return "timestamp is " + std::to_string(skew) + " s off";
  auto signature = crypto::base64_decode(fields->signature);
  if (!signature) return "signature is not Base64";
  const std::string message = wxpay::request_message(r.method, r.target, *ts, fields->nonce_str, r.body);
  if (!keys_.merchant.certificate.public_key().verify_sha256(message, *signature)) return "signature does not verify";
  return {};
}

http::Response FakePlatform::handle(const http::ServerRequest& r) {
  SeenRequest seen{r.method, r.target, r.headers, r.body, false, check_authorization(r),
                   r.remote_addr + ":" + std::to_string(r.remote_port)};
  seen.verified = seen.refusal.empty();
  Reply reply;
  {
    std::lock_guard lock(mu_);
    if (!seen.verified) {
      reply = Reply::error(401, "SIGN_ERROR", "签名错误: " + seen.refusal);
    } else if (!r.headers.get("Accept") || !r.headers.get("User-Agent")) {
      reply = Reply::error(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent");
    } else if (!queue_.empty()) {
      reply = std::move(queue_.front());
      queue_.pop_front();
    } else {
      reply = fallback_;
    }
    seen_.push_back(std::move(seen));
  }
  if (reply.delay > Millis{0}) std::this_thread::sleep_for(reply.delay);
  if (reply.drop_connection) {
    http::Response dropped;
    dropped.status = http::k_drop_connection;
    return dropped;
  }
  return render(reply);
}

http::Response FakePlatform::render(const Reply& reply) const {
  http::Response out;
  out.status = reply.status;
  out.body = reply.body;
  out.headers.set("Content-Type", "application/json");
  out.headers.set("Request-ID", request_id());
  if (reply.signing == Signing::unsigned_answer) return out;
  const auto& platform = keys_.platform;
  const std::int64_t ts = unix_seconds(clock_.now()) + reply.clock_skew_seconds;
  const std::string nonce = crypto::random_alnum(32);
  const std::string_view signed_body = reply.body;
  switch (reply.signing) {
  case Signing::valid:
  case Signing::probe:
  case Signing::missing_signature:
    wxpay::sign_response(platform.key, platform.public_key_id, signed_body, ts, nonce, out.headers);
    break;
  case Signing::certificate:
    wxpay::sign_response(platform.key, platform.certificate_serial, signed_body, ts, nonce, out.headers);
    break;
  case Signing::wrong_key:
    wxpay::sign_response(keys_.merchant.key, platform.public_key_id, signed_body, ts, nonce, out.headers);
    break;
  case Signing::tampered_body:
    wxpay::sign_response(platform.key, platform.public_key_id, reply.body + " ", ts, nonce, out.headers);
    break;
  case Signing::unknown_serial:
    wxpay::sign_response(platform.key, "PUB_KEY_ID_0000000000000000000000000000000000", signed_body, ts, nonce,
                         out.headers);
    break;
  case Signing::unsigned_answer: break;
  }
  if (reply.signing == Signing::probe)
    out.headers.set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/" + crypto::base64_encode(crypto::random_bytes(240)));
  if (reply.signing == Signing::missing_signature) {
    http::Headers kept;
    for (const auto& [k, v] : out.headers.all())
      if (!http::iequals(k, "Wechatpay-Signature")) kept.add(k, v);
    out.headers = std::move(kept);
  }
  return out;
}

} // namespace recharged::test
