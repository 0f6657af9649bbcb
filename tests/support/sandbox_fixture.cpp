#include "tests/support/sandbox_fixture.hpp"

#include <stdexcept>

namespace recharged::test {
namespace {

sandbox::SandboxState generate_state(const std::filesystem::path& dir) {
  auto state = sandbox::load_or_create_state(dir, SystemClock{}.now());
  if (!state) throw std::runtime_error("sandbox fixture: " + state.error().message);
  return std::move(*state);
}

// One key set per test binary: two RSA-2048 generations are the slowest part of a sandbox start.
const sandbox::SandboxState& shared_state() {
  static TempDir dir;
  static const sandbox::SandboxState state = generate_state(dir / "state");
  return state;
}

schedule::SettlementCalendar shipped_calendar() {
  auto cal = schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
  if (!cal) throw std::runtime_error("sandbox fixture: " + cal.error().message);
  return std::move(*cal);
}

} // namespace

SandboxClient::SandboxClient(wxpay::RequestSigner signer, wxpay::PlatformKeys keys, http::CurlOptions options,
                             const Clock& clock)
    : transport_(std::make_unique<http::CurlTransport>(std::move(options), clock)),
      api_(std::make_unique<wxpay::ApiClient>(std::move(signer), std::move(keys), *transport_, clock,
                                              "recharged-test/1.0")) {}

SandboxFixture::SandboxFixture(Clock& clock, SandboxFixtureOptions options)
    : clock_(clock), dir_(std::make_unique<TempDir>()),
      state_(options.fresh_keys ? generate_state(*dir_ / "state") : shared_state()),
      calendar_(shipped_calendar()) {
  sandbox::SandboxOptions o;
  o.platform.sub_mchids = state_.sub_mchids;
  o.platform.seed = options.seed;
  o.platform.payers = options.payers;
  o.platform.payer_mix = options.payer_mix;
  o.platform.link_ttl = options.link_ttl;
  o.faults = options.faults;
  if (options.backup_host) o.backup_port = 0;
  o.notifier = options.notifier;
  o.notifier.seed = options.seed;
  sandbox_ = std::make_unique<sandbox::Sandbox>(std::move(o), state_.platform, state_.merchant(), calendar_, clock_);
  if (auto port = sandbox_->start(); !port) throw std::runtime_error("sandbox fixture: " + port.error().message);
}

SandboxFixture::~SandboxFixture() { sandbox_->stop(); }

http::BaseUrl SandboxFixture::base() const { return http::BaseUrl{"http", "127.0.0.1", sandbox_->server().port()}; }

http::BaseUrl SandboxFixture::backup_base() const {
  return http::BaseUrl{"http", "127.0.0.1", sandbox_->server().backup_port()};
}

wxpay::RequestSigner SandboxFixture::signer() const {
  return wxpay::RequestSigner(mchid(), serial_no(), state_.merchant_key);
}

wxpay::PlatformKeys SandboxFixture::platform_keys() const {
  wxpay::PlatformKeys keys;
  keys.add_public_key(state_.platform.public_key_id, state_.platform.private_key.public_key());
  return keys;
}

std::filesystem::path SandboxFixture::config_file(const sandbox::ClientConfigOptions& extra) {
  sandbox::ClientConfigOptions o = extra;
  o.base_url = base_url();
  o.backup_url = sandbox_->backup_url();
  if (o.calendar_dirs.empty()) o.calendar_dirs = {std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"};
  return dir_->write(std::string(sandbox::k_config_file), sandbox::render_recharged_config(state_, o),
                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                         std::filesystem::perms::group_read | std::filesystem::perms::others_read);
}

http::CurlOptions SandboxFixture::curl_options() const {
  http::CurlOptions o;
  o.hosts.push_back(base());
  o.connect_timeout = Millis{1'000};
  o.timeout = Millis{3'000};
  return o;
}

std::unique_ptr<SandboxClient> SandboxFixture::client() const { return client(curl_options()); }

std::unique_ptr<SandboxClient> SandboxFixture::client(http::CurlOptions options) const {
  return std::make_unique<SandboxClient>(signer(), platform_keys(), std::move(options), clock_);
}

wxpay::ApplyRequest SandboxFixture::apply_request(std::string out_recharge_no, Fen amount) const {
  wxpay::ApplyRequest r;
  r.sub_mchid = sub_mchid();
  r.out_recharge_no = std::move(out_recharge_no);
  r.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
  r.account_type = wxpay::AccountType::deposit;
  r.recharge_amount = wxpay::Amount{amount, "CNY"};
  r.notify_url = "https://sandbox.recharged.invalid/wxpay/recharge-notify";
  return r;
}

sandbox::ApplyRequest SandboxFixture::platform_request(std::string out_recharge_no, Fen amount) const {
  sandbox::ApplyRequest r;
  r.sub_mchid = sub_mchid();
  r.out_recharge_no = std::move(out_recharge_no);
  r.recharge_scene = sandbox::RechargeScene::ecommerce_deposit;
  r.account_type = sandbox::AccountType::deposit;
  r.recharge_amount = sandbox::Amount{amount, "CNY"};
  r.notify_url = "https://sandbox.recharged.invalid/wxpay/recharge-notify";
  return r;
}

} // namespace recharged::test
