#include "tests/support/keys.hpp"

#include "crypto/random.hpp"

namespace recharged::test {
namespace {

using namespace std::chrono;

// 40 upper-case hex digits whose first digit is not 0, like the serials WeChat Pay issues.
std::string random_serial() {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : crypto::random_bytes(20)) {
    out += k_hex[c >> 4];
    out += k_hex[c & 15];
  }
  if (out[0] == '0') out[0] = '5';
  return out;
}

std::string random_digits(std::size_t n) {
  std::string out;
  for (unsigned char c : crypto::random_bytes(n)) out += static_cast<char>('0' + c % 10);
  return out;
}

crypto::Certificate make_certificate(const crypto::PrivateKey& key, std::string_view cn, const std::string& serial) {
  const TimePoint from{sys_days{year{2020} / 1 / 1}};
  const TimePoint to{sys_days{year{2045} / 1 / 1}};
  return crypto::Certificate::self_signed(key, cn, serial, from, to);
}

} // namespace

TestKeys TestKeys::generate(std::string mchid) {
  auto merchant_key = crypto::PrivateKey::generate();
  auto merchant_cert = make_certificate(merchant_key, "recharged test merchant", random_serial());
  auto platform_key = crypto::PrivateKey::generate();
  auto platform_cert = make_certificate(platform_key, "recharged test platform", random_serial());
  const std::string merchant_serial = merchant_cert.serial_hex();
  const std::string platform_serial = platform_cert.serial_hex();
  return TestKeys{
      MerchantIdentity{std::move(mchid), std::move(merchant_key), std::move(merchant_cert), merchant_serial},
      PlatformIdentity{std::move(platform_key), "PUB_KEY_ID_" + random_digits(32), std::move(platform_cert),
                       platform_serial},
      crypto::random_alnum(32)};
}

const TestKeys& TestKeys::shared() {
  static const TestKeys keys = generate();
  return keys;
}

wxpay::RequestSigner TestKeys::signer() const {
  return wxpay::RequestSigner(merchant.mchid, merchant.serial_no, merchant.key);
}

wxpay::PlatformKeys TestKeys::public_key_mode() const {
  wxpay::PlatformKeys keys;
  keys.add_public_key(platform.public_key_id, platform.key.public_key());
  return keys;
}

wxpay::PlatformKeys TestKeys::certificate_mode() const {
  wxpay::PlatformKeys keys;
  keys.add_certificate(platform.certificate);
  return keys;
}

http::CurlOptions test_curl_options(std::vector<http::BaseUrl> hosts) {
  http::CurlOptions options;
  options.hosts = std::move(hosts);
  options.connect_timeout = Millis{2'000};
  options.timeout = Millis{5'000};
  return options;
}

ClientRig::ClientRig(const TestKeys& keys, wxpay::PlatformKeys platform_keys, http::CurlOptions options,
                     const Clock& clock)
    : transport_(std::make_unique<http::CurlTransport>(std::move(options), clock)),
      client_(std::make_unique<wxpay::ApiClient>(keys.signer(), std::move(platform_keys), *transport_, clock,
                                                 "recharged-test/1.0")) {}

wxpay::ApplyRequest sample_apply_request(std::string out_recharge_no) {
  wxpay::ApplyRequest r;
  r.sub_mchid = "1900000110";
  r.out_recharge_no = std::move(out_recharge_no);
  r.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
  r.account_type = wxpay::AccountType::deposit;
  r.recharge_amount = wxpay::Amount{10'000, "CNY"};
  return r;
}

} // namespace recharged::test
