// Fuzz target: a POST to the notification listener — Wechatpay-* headers and raw body — through signature
// verification, envelope decoding and AEAD_AES_256_GCM decryption, then the decrypted resource through the
// decoders and the funds-safety gate the handler applies. Three shapes of input:
//   raw     fuzzed headers and body (what an attacker can send);
//   signed  a fuzzed body validly signed at a fuzzed clock skew (a platform bug, or a replay);
//   sealed  a fuzzed envelope around a fuzzed plaintext sealed with the APIv3 key and signed (a well-formed
//           notification with hostile content): reaches the resource decoders.

#include "tests/fuzz/fuzz_support.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/notification.hpp"

#include <fuzzer/FuzzedDataProvider.h>

using namespace recharged;

namespace {

enum class Shape { raw, signed_body, sealed };

std::string pick(FuzzedDataProvider& in, std::initializer_list<const char*> usual, std::size_t max_length) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(max_length);
  const auto i = in.ConsumeIntegralInRange<std::size_t>(0, usual.size() - 1);
  return *(usual.begin() + static_cast<std::ptrdiff_t>(i));
}

// An envelope around `plaintext`, sealed with the APIv3 key (or a fuzzed one) and encoded as the platform does.
std::string sealed_body(FuzzedDataProvider& in) {
  wxpay::Notification n;
  n.id = in.ConsumeRandomLengthString(64);
  n.create_time = fuzz::fixture().now;
  n.event_type = pick(in, {"RECHARGE.SUCCESS", "RECHARGE.CLOSED", "RECHARGE.FUND_RETURNED"}, 64);
  n.resource_type = "encrypt-resource";
  n.summary = in.ConsumeRandomLengthString(64);
  const std::string nonce = pick(in, {"fuzznonce123"}, 32);
  const std::string associated = pick(in, {"recharge", ""}, 32);
  const std::string key = in.ConsumeBool() ? std::string(fuzz::k_apiv3_key) : in.ConsumeBytesAsString(32);
  const std::string plaintext = in.ConsumeRemainingBytesAsString();
  auto resource = wxpay::seal_resource(key, "recharge", plaintext, nonce, associated);
  if (!resource) return {};
  n.resource = std::move(*resource);
  return wxpay::encode(n);
}

void judge(const wxpay::OpenedNotification& opened, orders::OrderState state) {
  const std::string& event = opened.envelope.event_type;
  engine::CallMeta meta;
  meta.endpoint.reset();
  meta.source = orders::EventSource::notify;
  meta.body = opened.plaintext;
  if (event == wxpay::k_event_success || event == wxpay::k_event_closed) {
    if (auto view = wxpay::decode_mch_deposit(opened.plaintext))
      fuzz::check_view(fuzz::canonical_order(state), *view, meta);
  } else if (event == wxpay::k_event_fund_returned) {
    (void)wxpay::decode_fund_returned(opened.plaintext);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& f = fuzz::fixture();
  FuzzedDataProvider in(data, size);
  const auto shape = static_cast<Shape>(in.ConsumeIntegralInRange<int>(0, 2));
  const auto state = fuzz::state_from_byte(in.ConsumeIntegral<std::uint8_t>());
  const auto skew = in.ConsumeIntegralInRange<std::int64_t>(-400, 400);
  http::Headers headers;
  std::string body;
  switch (shape) {
  case Shape::raw:
    for (const char* name : {"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature"})
      headers.set(name, in.ConsumeRandomLengthString(128));
    body = in.ConsumeRemainingBytesAsString();
    break;
  case Shape::signed_body:
    body = in.ConsumeRemainingBytesAsString();
    headers = fuzz::signed_headers(body, unix_seconds(f.now) + skew);
    break;
  case Shape::sealed:
    body = sealed_body(in);
    headers = fuzz::signed_headers(body, unix_seconds(f.now) + skew);
    break;
  }
  (void)wxpay::decode_notification(body);
  auto opened = wxpay::open_notification(f.platform_keys, fuzz::k_apiv3_key, headers, body, f.now);
  if (opened) judge(*opened, state);
  return 0;
}
