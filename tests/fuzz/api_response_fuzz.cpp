// Fuzz target: a platform answer to apply, query or close — any status, Wechatpay-* headers and body — as the
// API client receives it (signature verification, error classification, JSON decoding), then, when the client
// accepts it, the funds-safety gate and the recorder that turn it into storage updates. Some inputs are signed
// with the trusted platform key (at a fuzzed clock skew) so the decoders behind the signature check are reached.

#include "tests/fuzz/fuzz_support.hpp"
#include "wxpay/api_client.hpp"
#include "wxpay/codec.hpp"

#include <fuzzer/FuzzedDataProvider.h>

using namespace recharged;

namespace {

// Answers every request with the scripted response.
class ScriptedTransport final : public http::Transport {
public:
  explicit ScriptedTransport(http::Response response) : response_(std::move(response)) {}
  Result<http::Response> send(const http::Request&) override { return response_; }

private:
  http::Response response_;
};

enum class Signing { fuzzed_headers, valid, none };

http::Headers headers_for(FuzzedDataProvider& in, Signing signing, const std::string& body, TimePoint now) {
  http::Headers h;
  if (signing == Signing::valid) {
    const auto skew = in.ConsumeIntegralInRange<std::int64_t>(-400, 400);
    h = fuzz::signed_headers(body, unix_seconds(now) + skew);
  } else if (signing == Signing::fuzzed_headers) {
    for (const char* name : {"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature"})
      h.set(name, in.ConsumeRandomLengthString(128));
  }
  h.set("Request-ID", in.ConsumeRandomLengthString(64));
  return h;
}

int status_for(FuzzedDataProvider& in) {
  static constexpr int k_common[] = {200, 202, 204, 400, 401, 403, 404, 429, 500, 502, 503};
  if (in.ConsumeBool()) return k_common[in.ConsumeIntegralInRange<std::size_t>(0, std::size(k_common) - 1)];
  return in.ConsumeIntegralInRange<int>(0, 999);
}

engine::CallMeta meta_for(wxpay::Endpoint endpoint, int status, const std::string& body) {
  engine::CallMeta meta;
  meta.endpoint = endpoint;
  meta.http_status = status;
  meta.request_id = "FUZZ";
  meta.body = body;
  return meta;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& f = fuzz::fixture();
  FuzzedDataProvider in(data, size);
  const auto endpoint = static_cast<wxpay::Endpoint>(in.ConsumeIntegralInRange<int>(0, 2));
  const auto signing = static_cast<Signing>(in.ConsumeIntegralInRange<int>(0, 2));
  const auto state = fuzz::state_from_byte(in.ConsumeIntegral<std::uint8_t>());
  const int status = status_for(in);
  const std::string header_bytes = in.ConsumeRandomLengthString(1024);
  const std::string body = in.ConsumeRemainingBytesAsString();
  FuzzedDataProvider header_input(reinterpret_cast<const std::uint8_t*>(header_bytes.data()), header_bytes.size());

  // The decoders on their own, whatever the signature says.
  (void)wxpay::decode_apply_response(body);
  (void)wxpay::decode_mch_deposit(body);
  (void)wxpay::decode_error_body(body);
  (void)wxpay::classify_error_answer(endpoint, status, body, "FUZZ");

  http::Response response;
  response.status = status;
  response.body = body;
  response.headers = headers_for(header_input, signing, body, f.now);
  ScriptedTransport transport(std::move(response));
  ManualClock clock(f.now);
  wxpay::ApiClient client(f.signer(), f.platform_keys, transport, clock, "recharged-fuzz/1.0");

  const std::string sub(fuzz::k_sub_mchid);
  const std::string no(fuzz::k_out_recharge_no);
  if (endpoint == wxpay::Endpoint::apply) {
    wxpay::ApplyRequest request;
    request.sub_mchid = sub;
    request.out_recharge_no = no;
    request.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
    request.account_type = wxpay::AccountType::deposit;
    request.recharge_amount = wxpay::Amount{fuzz::k_amount, "CNY"};
    auto answer = client.apply(request);
    if (answer) {
      const orders::Order local = fuzz::canonical_order(orders::OrderState::new_order);
      for (const auto& u : engine::record_applied(local, answer->value, meta_for(endpoint, status, answer->body),
                                                  *f.planner, f.now))
        (void)storage::after_update(local, u);
    } else {
      (void)engine::record_failure(fuzz::canonical_order(orders::OrderState::new_order), answer.error(),
                                   meta_for(endpoint, status, ""), *f.planner, f.now);
    }
    return 0;
  }
  auto answer = endpoint == wxpay::Endpoint::query ? client.query(sub, no) : client.close(sub, no);
  if (answer) fuzz::check_view(fuzz::canonical_order(state), answer->value, meta_for(endpoint, status, answer->body));
  else (void)engine::record_failure(fuzz::canonical_order(state), answer.error(), meta_for(endpoint, status, ""),
                                    *f.planner, f.now);
  return 0;
}
