#include "wxpay/api_client.hpp"

#include "crypto/random.hpp"
#include "http/message.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/validation.hpp"

#include <chrono>

namespace recharged::wxpay {

std::string_view to_string(Endpoint e) noexcept {
  switch (e) {
  case Endpoint::apply: return "apply";
  case Endpoint::query: return "query";
  case Endpoint::close: return "close";
  }
  return "query";
}

namespace {

bool is_write(Endpoint e) { return e != Endpoint::query; }

// For a query nothing can have taken effect, so "maybe sent" is just retryable.
ErrorKind unsure(Endpoint e) { return is_write(e) ? ErrorKind::ambiguous : ErrorKind::retryable; }

bool rate_limit_code(std::string_view code) {
  return code == "FREQUENCY_LIMITED" || code == "RATELIMIT_EXCEEDED" || code == "RATE_LIMITED";
}

std::string order_target(std::string_view out_recharge_no, std::string_view sub_mchid, bool close) {
  std::string t(k_order_path);
  t += http::url_encode(out_recharge_no);
  if (close) t += "/close";
  t += "?sub_mchid=";
  t += http::url_encode(sub_mchid);
  return t;
}

} // namespace

Error classify_error_answer(Endpoint endpoint, int status, std::string_view body, std::string request_id) {
  ErrorBody eb;
  if (auto parsed = decode_error_body(body)) {
    eb = std::move(*parsed);
  } else {
    eb.code = "HTTP_" + std::to_string(status);
    eb.message = "the answer carried no readable error body";
  }
  ErrorKind kind = ErrorKind::permanent;
  if (status == 429 || rate_limit_code(eb.code)) kind = ErrorKind::rate_limited;
  else if (status >= 500 || status == 202 || status < 200 || (status >= 300 && status < 400) ||
           eb.code == "SYSTEM_ERROR" || eb.code == "SERVICE_UNAVAILABLE")
    kind = unsure(endpoint);
  else if (status == 404 || eb.code == "NOT_FOUND" || eb.code == "ORDER_NOT_EXIST") kind = ErrorKind::not_found;
  else if (status == 401 || eb.code == "SIGN_ERROR") kind = ErrorKind::retryable; // refused before any effect
  else if (endpoint == Endpoint::apply && eb.message.find("已存在") != std::string::npos) kind = ErrorKind::ambiguous;

  std::string message = "WeChat Pay answered the " + std::string(to_string(endpoint)) + " call with HTTP " +
                        std::to_string(status) + " " + eb.code + ": " + eb.message;
  if (eb.detail_field) message += " (field " + *eb.detail_field + ")";
  message += ".";
  Error e = Error::make(kind, eb.code, std::move(message));
  e.http_status = status;
  e.request_id = std::move(request_id);
  e.field = eb.detail_field.value_or("");
  return e;
}

ApiClient::ApiClient(RequestSigner signer, PlatformKeys keys, http::Transport& transport, const Clock& clock,
                     std::string user_agent)
    : signer_(std::move(signer)), keys_(std::move(keys)), transport_(transport), clock_(clock),
      user_agent_(std::move(user_agent)) {}

void ApiClient::report(CallRecord& record, const Error* error) {
  if (error != nullptr) {
    record.outcome = error->code.empty() ? std::string(to_string(error->kind)) : error->code;
    record.kind = error->kind;
    if (record.http_status == 0) record.http_status = error->http_status;
    if (record.request_id.empty()) record.request_id = error->request_id;
  } else {
    record.outcome = "ok";
  }
  if (observer_ != nullptr) observer_->on_call(record);
}

Result<http::Request> ApiClient::signed_request(http::Method method, std::string target, std::string body) const {
  const std::string nonce = crypto::random_alnum(32);
  const std::int64_t timestamp = unix_seconds(clock_.now());
  RECHARGED_TRY(std::string auth, signer_.authorization(method, target, body, timestamp, nonce));
  http::Request req;
  req.method = method;
  req.target = std::move(target);
  req.headers.add("Authorization", std::move(auth));
  req.headers.add("Accept", "application/json");
  req.headers.add("User-Agent", user_agent_);
  if (const auto serial = keys_.preferred_serial(); !serial.empty()) req.headers.add("Wechatpay-Serial", serial);
  // Every POST says application/json, the body-less close too (its official sample does; the signed fifth
  // line stays empty and Content-Length is 0). GETs carry neither body nor Content-Type.
  if (method == http::Method::post) req.headers.add("Content-Type", "application/json");
  req.body = std::move(body);
  return req;
}

Result<ApiClient::Raw> ApiClient::exchange(Endpoint endpoint, http::Method method, std::string target,
                                           std::string body, CallRecord& record) {
  record.endpoint = endpoint;
  RECHARGED_TRY(const http::Request req, signed_request(method, std::move(target), std::move(body)));

  const auto started = std::chrono::steady_clock::now();
  auto sent = transport_.send(req);
  record.latency = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  if (!sent) {
    Error e = std::move(sent).error();
    if (e.kind == ErrorKind::ambiguous) e.kind = unsure(endpoint);
    return e;
  }
  http::Response& resp = *sent;
  record.http_status = resp.status;
  record.request_id = std::string(resp.headers.get("Request-ID").value_or(""));
  if (resp.status < 200 || resp.status >= 300 || resp.status == 202) {
    if (resp.status == 401) record.signature_headers = SignatureHeaders::read(resp.headers);
    return classify_error_answer(endpoint, resp.status, resp.body, record.request_id);
  }
  if (auto verified = verify_signature(keys_, resp.headers, resp.body, clock_.now()); !verified) {
    Error e = std::move(verified).error();
    record.signature_refused = e.field;
    record.signature_headers = SignatureHeaders::read(resp.headers);
    e.kind = unsure(endpoint);
    e.http_status = resp.status;
    e.request_id = record.request_id;
    return e;
  }
  return Raw{resp.status, record.request_id, std::move(resp.body)};
}

namespace {
// A verified answer that does not decode is as good as no answer: retry (query) or resolve by query (writes).
Error undecodable(Error e, Endpoint endpoint, int status, const std::string& request_id) {
  e.kind = unsure(endpoint);
  e.http_status = status;
  e.request_id = request_id;
  return e;
}
} // namespace

Result<Answer<ApplyResponse>> ApiClient::apply(const ApplyRequest& request) {
  CallRecord record;
  record.out_recharge_no = request.out_recharge_no;
  record.sub_mchid = request.sub_mchid;
  if (auto ok = validate(request); !ok) return std::move(ok).error();
  auto raw = exchange(Endpoint::apply, http::Method::post, std::string(k_apply_path), encode(request), record);
  if (!raw) {
    report(record, &raw.error());
    return std::move(raw).error();
  }
  auto decoded = decode_apply_response(raw->body);
  if (decoded && decoded->out_recharge_no != request.out_recharge_no)
    decoded = Error::make(ErrorKind::ambiguous, "mismatch",
                          "The apply answer names out_recharge_no '" + decoded->out_recharge_no.substr(0, 64) +
                              "', not the one requested.");
  if (!decoded) {
    Error e = undecodable(std::move(decoded).error(), Endpoint::apply, raw->status, raw->request_id);
    report(record, &e);
    return e;
  }
  report(record, nullptr);
  return Answer<ApplyResponse>{std::move(*decoded), raw->status, std::move(raw->request_id), std::move(raw->body)};
}

namespace {
Status validate_order_ref(std::string_view sub_mchid, std::string_view out_recharge_no) {
  RECHARGED_CHECK(validate_mchid(sub_mchid, "sub_mchid"));
  return validate_out_recharge_no(out_recharge_no);
}
} // namespace

Result<Answer<MchDeposit>> ApiClient::query(std::string_view sub_mchid, std::string_view out_recharge_no) {
  return order_call(Endpoint::query, sub_mchid, out_recharge_no);
}

Result<Answer<MchDeposit>> ApiClient::close(std::string_view sub_mchid, std::string_view out_recharge_no) {
  return order_call(Endpoint::close, sub_mchid, out_recharge_no);
}

Result<Answer<MchDeposit>> ApiClient::order_call(Endpoint endpoint, std::string_view sub_mchid,
                                                 std::string_view out_recharge_no) {
  CallRecord record;
  record.out_recharge_no = std::string(out_recharge_no);
  record.sub_mchid = std::string(sub_mchid);
  if (auto ok = validate_order_ref(sub_mchid, out_recharge_no); !ok) return std::move(ok).error();
  const bool is_close = endpoint == Endpoint::close;
  auto raw = exchange(endpoint, is_close ? http::Method::post : http::Method::get,
                      order_target(out_recharge_no, sub_mchid, is_close), std::string(), record);
  if (!raw) {
    report(record, &raw.error());
    return std::move(raw).error();
  }
  auto decoded = decode_mch_deposit(raw->body);
  if (!decoded) {
    Error e = undecodable(std::move(decoded).error(), endpoint, raw->status, raw->request_id);
    report(record, &e);
    return e;
  }
  report(record, nullptr);
  return Answer<MchDeposit>{std::move(*decoded), raw->status, std::move(raw->request_id), std::move(raw->body)};
}

Result<http::Response> ApiClient::probe_query(std::string_view sub_mchid, std::string_view out_recharge_no) {
  RECHARGED_CHECK(validate_order_ref(sub_mchid, out_recharge_no));
  RECHARGED_TRY(const http::Request req,
                signed_request(http::Method::get, order_target(out_recharge_no, sub_mchid, false), std::string()));
  return transport_.send(req);
}

} // namespace recharged::wxpay
