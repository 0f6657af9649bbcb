#pragma once

#include "core/clock.hpp"
#include "crypto/certificate.hpp"
#include "crypto/rsa_key.hpp"
#include "http/curl_transport.hpp"
#include "wxpay/api_client.hpp"
#include "wxpay/signing.hpp"
#include "wxpay/verifier.hpp"

#include <memory>
#include <string>
#include <vector>

namespace recharged::test {

// The merchant side (what the daemon holds): an RSA-2048 key and a self-signed "API certificate" whose
// serial goes into Authorization's serial_no.
struct MerchantIdentity {
  std::string mchid; // the platform merchant id (sp_mchid)
  crypto::PrivateKey key;
  crypto::Certificate certificate;
  std::string serial_no; // certificate.serial_hex()
};

// The WeChat Pay side: one RSA-2048 signing key, published both as a public key under a
// "PUB_KEY_ID_<32 digits>" id (public-key mode) and as a self-signed platform certificate (certificate mode).
struct PlatformIdentity {
  crypto::PrivateKey key;
  std::string public_key_id;
  crypto::Certificate certificate;
  std::string certificate_serial; // certificate.serial_hex()
};

// Everything a test needs to play both sides of the protocol. Keys are generated, never read from disk.
struct TestKeys {
  MerchantIdentity merchant;
  PlatformIdentity platform;
  std::string apiv3_key; // 32 ASCII characters

  // Fresh keys: two RSA-2048 generations (a few hundred ms).
  [[nodiscard]] static TestKeys generate(std::string mchid = "1900000109");
  // One set per test process, generated on first use; for tests that need valid keys but not fresh ones.
  [[nodiscard]] static const TestKeys& shared();

  [[nodiscard]] wxpay::RequestSigner signer() const;
  // The client's view of the platform in public-key mode (Wechatpay-Serial = PUB_KEY_ID_…).
  [[nodiscard]] wxpay::PlatformKeys public_key_mode() const;
  // The client's view of the platform in certificate mode (Wechatpay-Serial = certificate serial).
  [[nodiscard]] wxpay::PlatformKeys certificate_mode() const;
};

// Transport options for tests: short timeouts, everything else as in production.
[[nodiscard]] http::CurlOptions test_curl_options(std::vector<http::BaseUrl> hosts);

// A ready client: a real wxpay::ApiClient over a real http::CurlTransport pointed at `options.hosts`
// (typically a FakePlatform's base_url()), signing with `keys.merchant`, verifying with `platform_keys`.
class ClientRig {
public:
  ClientRig(const TestKeys& keys, wxpay::PlatformKeys platform_keys, http::CurlOptions options, const Clock& clock);
  ClientRig(const TestKeys& keys, http::CurlOptions options, const Clock& clock)
      : ClientRig(keys, keys.public_key_mode(), std::move(options), clock) {}

  [[nodiscard]] wxpay::ApiClient& client() noexcept { return *client_; }
  [[nodiscard]] http::CurlTransport& transport() noexcept { return *transport_; }

private:
  std::unique_ptr<http::CurlTransport> transport_;
  std::unique_ptr<wxpay::ApiClient> client_;
};

// A minimal valid apply request for `out_recharge_no` (sub_mchid 1900000110, 100.00 yuan, all channels).
[[nodiscard]] wxpay::ApplyRequest sample_apply_request(std::string out_recharge_no);

} // namespace recharged::test
