#pragma once

// An in-process sandbox platform for tests: the real simulated platform (order book, HTTP front on an
// ephemeral 127.0.0.1 port, notifier) with generated keys in a temporary directory, on a clock the test
// chooses (a ManualClock for virtual time, or a SystemClock). Typical use:
//
//   ManualClock clock(start);
//   test::SandboxFixture sandbox(clock);                    // payers are manual: nobody pays unless told
//   auto client = sandbox.client();                         // a real ApiClient over a real CurlTransport
//   auto applied = client->api().apply(sandbox.apply_request("RC1"));
//   sandbox.platform().pay_now("RC1", {sandbox::RechargeChannel::qr_recharge});
//   clock.advance(std::chrono::minutes{3});
//   CHECK(sandbox.platform().truth("RC1")->deposit.recharge_state == sandbox::RechargeState::success);

#include "core/clock.hpp"
#include "crypto/rsa_key.hpp"
#include "http/curl_transport.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/state.hpp"
#include "schedule/settlement_calendar.hpp"
#include "tests/support/temp_dir.hpp"
#include "wxpay/api_client.hpp"

#include <memory>
#include <string>

namespace recharged::test {

struct SandboxFixtureOptions {
  sandbox::Payers payers = sandbox::Payers::manual; // simulated: seeded payers act on every new order
  std::uint64_t seed = 1;
  sandbox::PayerMix payer_mix;
  sandbox::FaultConfig faults;
  sandbox::NotifierConfig notifier;                 // notify_target, lost_share, retry schedule, …
  Millis link_ttl = std::chrono::hours{24 * 7};
  bool fresh_keys = false; // false: one generated key set shared by the whole test binary (faster)
  bool backup_host = false; // also serve the backup host, on another ephemeral port
};

// A real ApiClient and its transport, pointed at a SandboxFixture.
class SandboxClient {
public:
  SandboxClient(wxpay::RequestSigner signer, wxpay::PlatformKeys keys, http::CurlOptions options, const Clock& clock);
  [[nodiscard]] wxpay::ApiClient& api() noexcept { return *api_; }
  [[nodiscard]] http::CurlTransport& transport() noexcept { return *transport_; }

private:
  std::unique_ptr<http::CurlTransport> transport_;
  std::unique_ptr<wxpay::ApiClient> api_;
};

class SandboxFixture {
public:
  // Starts the sandbox at once (throws std::runtime_error if it cannot). `clock` must outlive the fixture.
  explicit SandboxFixture(Clock& clock, SandboxFixtureOptions options = {});
  ~SandboxFixture();
  SandboxFixture(const SandboxFixture&) = delete;
  SandboxFixture& operator=(const SandboxFixture&) = delete;

  [[nodiscard]] sandbox::Sandbox& sandbox() noexcept { return *sandbox_; }
  [[nodiscard]] sandbox::Platform& platform() noexcept { return sandbox_->platform(); }
  [[nodiscard]] const sandbox::SandboxState& state() const noexcept { return state_; }
  // The shipped holiday calendar (data/calendar) the payers settle by.
  [[nodiscard]] const schedule::SettlementCalendar& calendar() const noexcept { return calendar_; }

  // Where the platform listens: "http://127.0.0.1:PORT".
  [[nodiscard]] std::string base_url() const { return sandbox_->base_url(); }
  [[nodiscard]] http::BaseUrl base() const;
  // The backup host, when SandboxFixtureOptions::backup_host asked for one (port 0 otherwise).
  [[nodiscard]] http::BaseUrl backup_base() const;

  // What a daemon needs to talk to it.
  [[nodiscard]] const std::string& mchid() const noexcept { return state_.platform.sp_mchid; }
  [[nodiscard]] std::string serial_no() const { return state_.merchant_certificate.serial_hex(); }
  [[nodiscard]] const crypto::PrivateKey& merchant_key() const noexcept { return state_.merchant_key; }
  [[nodiscard]] wxpay::RequestSigner signer() const;
  // PUB_KEY_ID_… → the platform public key (public-key mode).
  [[nodiscard]] wxpay::PlatformKeys platform_keys() const;
  [[nodiscard]] const std::string& public_key_id() const noexcept { return state_.platform.public_key_id; }
  [[nodiscard]] const std::string& apiv3_key() const noexcept { return state_.platform.apiv3_key; }
  // A sub-merchant the platform accepts (there are three: sub_mchid(0..2)).
  [[nodiscard]] const std::string& sub_mchid(std::size_t i = 0) const { return state_.sub_mchids.at(i); }
  // A recharged.toml for this sandbox (its port, the state's key files, the shipped calendar), written into
  // the fixture's own temporary directory; `extra` sets notify and clock options.
  [[nodiscard]] std::filesystem::path config_file(const sandbox::ClientConfigOptions& extra = {});

  // Transport options for this sandbox with short test timeouts (connect 1 s, total 3 s).
  [[nodiscard]] http::CurlOptions curl_options() const;
  [[nodiscard]] std::unique_ptr<SandboxClient> client() const;
  [[nodiscard]] std::unique_ptr<SandboxClient> client(http::CurlOptions options) const;
  // A valid apply for this sandbox: first sub-merchant, `amount` fen, all channels, notify_url on
  // https://sandbox.recharged.invalid/wxpay/recharge-notify (deliver elsewhere with notifier.notify_target).
  [[nodiscard]] wxpay::ApplyRequest apply_request(std::string out_recharge_no, Fen amount = 10'000) const;
  // The same order in the sandbox's own model, for sandbox().platform().apply() without HTTP.
  [[nodiscard]] sandbox::ApplyRequest platform_request(std::string out_recharge_no, Fen amount = 10'000) const;

private:
  Clock& clock_;
  std::unique_ptr<TempDir> dir_;
  sandbox::SandboxState state_;
  schedule::SettlementCalendar calendar_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

} // namespace recharged::test
