#include "sandbox/state.hpp"

#include "config/config.hpp"
#include "config/secrets.hpp"
#include "core/file.hpp"
#include "http/curl_transport.hpp"
#include "sandbox/sandbox.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"
#include "wxpay/api_client.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>

using namespace recharged;
using namespace recharged::sandbox;
using recharged::sandbox_test::calendar;
using recharged::sandbox_test::sh;
namespace fs = std::filesystem;

namespace {

fs::perms mode(const fs::path& p) { return fs::status(p).permissions() & fs::perms::mask; }

constexpr auto k_owner_rw = fs::perms::owner_read | fs::perms::owner_write;

SandboxState create(const fs::path& dir) {
  auto s = load_or_create_state(dir, sh("2026-11-23T10:00:00"));
  REQUIRE(s.ok());
  return std::move(*s);
}

} // namespace

TEST_CASE("the first start generates both sides' keys and ids, with secret files readable by the owner only") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  CHECK(s.dir.is_absolute());
  CHECK(mode(s.dir) == fs::perms::owner_all);
  for (const auto name : {k_merchant_key_file, k_apiv3_key_file, k_platform_key_file})
    CHECK(mode(s.file(name)) == k_owner_rw);
  for (const auto name : {k_merchant_cert_file, k_platform_public_key_file, k_state_file})
    CHECK(fs::exists(s.file(name)));
  CHECK(s.platform.sp_mchid == "1900000001");
  CHECK(s.sub_mchids == std::vector<std::string>{"1900000101", "1900000102", "1900000103"});
  const auto& id = s.platform.public_key_id;
  REQUIRE(id.size() == 11 + 32);
  CHECK(id.starts_with("PUB_KEY_ID_"));
  CHECK(std::all_of(id.begin() + 11, id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }));
  CHECK(s.platform.apiv3_key.size() == 32);
  CHECK(std::all_of(s.platform.apiv3_key.begin(), s.platform.apiv3_key.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
  const std::string serial = s.merchant_certificate.serial_hex();
  CHECK(serial.size() == 40);
  CHECK(std::all_of(serial.begin(), serial.end(), [](char c) { return std::isxdigit(c) && !std::islower(c); }));
  CHECK(s.merchant_certificate.public_key().same_key(s.merchant_key.public_key()));
  CHECK(read_file(s.file(k_apiv3_key_file)).value() == s.platform.apiv3_key);
  auto pub = crypto::PublicKey::from_pem(read_file(s.file(k_platform_public_key_file)).value());
  REQUIRE(pub.ok());
  CHECK(pub->same_key(s.platform.private_key.public_key()));
}

TEST_CASE("later starts reuse the generated state") {
  test::TempDir tmp;
  const auto first = create(tmp / "state");
  const auto again = create(tmp / "state");
  CHECK(again.platform.public_key_id == first.platform.public_key_id);
  CHECK(again.platform.apiv3_key == first.platform.apiv3_key);
  CHECK(again.merchant_certificate.serial_hex() == first.merchant_certificate.serial_hex());
  CHECK(again.merchant_key.public_key().same_key(first.merchant_key.public_key()));
  CHECK(again.platform.private_key.public_key().same_key(first.platform.private_key.public_key()));
}

TEST_CASE("a partial or inconsistent state directory is refused and nothing is overwritten") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  SUBCASE("keys without sandbox.json") {
    fs::remove(s.file(k_state_file));
    const std::string key_before = read_file(s.file(k_merchant_key_file)).value();
    auto refused = load_or_create_state(s.dir, sh("2026-11-23T10:00:00"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("refusing to overwrite") != std::string::npos);
    CHECK(read_file(s.file(k_merchant_key_file)).value() == key_before);
  }
  SUBCASE("a certificate that belongs to another key") {
    const auto other = crypto::PrivateKey::generate(2048);
    const auto cert = crypto::Certificate::self_signed(other, "other", s.merchant_certificate.serial_hex(),
                                                       sh("2026-01-01T00:00:00"), sh("2030-01-01T00:00:00"));
    tmp.write("state/" + std::string(k_merchant_cert_file), cert.to_pem());
    auto refused = load_or_create_state(s.dir, sh("2026-11-23T10:00:00"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find(std::string(k_merchant_cert_file)) != std::string::npos);
  }
  SUBCASE("an APIv3 key of the wrong length") {
    tmp.write("state/" + std::string(k_apiv3_key_file), "short");
    CHECK_FALSE(load_or_create_state(s.dir, sh("2026-11-23T10:00:00")).ok());
  }
}

TEST_CASE("the generated config writes the clock section only for virtual time") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  ClientConfigOptions o;
  o.base_url = "http://127.0.0.1:8470";
  const std::string plain = render_recharged_config(s, o);
  CHECK(plain.find("[clock]") == std::string::npos);
  CHECK(plain.find("base_url = \"http://127.0.0.1:8470\"") != std::string::npos);
  o.clock = ClockSection{60.0, sh("2026-11-23T09:00:00"), parse_rfc3339("2026-11-23T09:12:00Z").value()};
  const std::string scaled = render_recharged_config(s, o);
  CHECK(scaled.find("speed = 60.0") != std::string::npos);
  auto loaded = config::parse(scaled, tmp / "recharged.toml");
  REQUIRE(loaded.ok());
  CHECK(loaded->clock.speed == doctest::Approx(60.0));
  CHECK(loaded->clock.virtual_origin == sh("2026-11-23T09:00:00"));
  CHECK(loaded->clock.real_origin == parse_rfc3339("2026-11-23T09:12:00Z").value());
}

TEST_CASE("the generated recharged.toml loads with the daemon's config loader and talks to the sandbox") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  ManualClock clock(sh("2026-11-23T10:00:00"));
  SandboxOptions options;
  options.platform.sub_mchids = s.sub_mchids;
  options.platform.payers = Payers::manual;
  Sandbox box(options, s.platform, s.merchant(), calendar(), clock);
  REQUIRE(box.start().ok());

  ClientConfigOptions client;
  client.base_url = box.base_url();
  client.calendar_dirs = {fs::path(RECHARGED_SOURCE_DIR) / "data/calendar"};
  auto path = write_recharged_config(s, client);
  REQUIRE(path.ok());
  CHECK(*path == s.file(k_config_file));
  auto cfg = config::load(*path);
  REQUIRE(cfg.ok());
  CHECK(cfg->merchant.mchid == s.platform.sp_mchid);
  CHECK(cfg->merchant.serial_no == s.merchant_certificate.serial_hex());
  CHECK(cfg->platform.public_key_id == s.platform.public_key_id);
  CHECK_FALSE(cfg->platform.backup_url.has_value());
  CHECK(cfg->database.path == s.file(k_database_file));
  CHECK(cfg->apply.notify_url == "https://sandbox.recharged.invalid/recharge-notify");
  CHECK(cfg->notify.path == "/recharge-notify");
  CHECK(cfg->notify.listen.port == 8480);
  auto secrets = config::load_secrets(*cfg);
  REQUIRE(secrets.ok());
  CHECK(secrets->apiv3_key == s.platform.apiv3_key);

  http::CurlOptions curl;
  curl.hosts.push_back(cfg->platform.base_url);
  http::CurlTransport transport(curl, clock);
  wxpay::ApiClient api(wxpay::RequestSigner(cfg->merchant.mchid, cfg->merchant.serial_no, secrets->merchant_key),
                       secrets->platform_keys, transport, clock, "recharged-test/1.0");
  wxpay::ApplyRequest r;
  r.sub_mchid = s.sub_mchids[1];
  r.out_recharge_no = "CFG1";
  r.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
  r.account_type = wxpay::AccountType::deposit;
  r.recharge_amount = wxpay::Amount{500, "CNY"};
  r.notify_url = cfg->apply.notify_url;
  CHECK(api.apply(r).ok());
  auto q = api.query(s.sub_mchids[1], "CFG1");
  REQUIRE(q.ok());
  CHECK(q->value.recharge_state.value == wxpay::RechargeState::recharging);
}

TEST_CASE("the state holds two platform certificates over the platform key: the current one and an expired one") {
  test::TempDir tmp;
  const TimePoint now = sh("2026-11-23T10:00:00");
  const auto s = create(tmp / "state");
  auto current = crypto::Certificate::from_pem(read_file(s.file(k_platform_cert_file)).value());
  auto expired = crypto::Certificate::from_pem(read_file(s.file(k_platform_expired_cert_file)).value());
  REQUIRE(current.ok());
  REQUIRE(expired.ok());
  CHECK(current->serial_hex() == s.platform.certificate_serial);
  CHECK(expired->serial_hex() == s.platform.expired_certificate_serial);
  CHECK(current->public_key().same_key(s.platform.private_key.public_key()));
  CHECK(expired->public_key().same_key(s.platform.private_key.public_key()));
  CHECK(current->not_before() < now);
  CHECK(current->not_after() > now + std::chrono::hours{24 * 365 * 4});
  CHECK(expired->not_after() < now);
  CHECK(s.platform.owns(s.platform.certificate_serial));
  CHECK(s.platform.owns(s.platform.expired_certificate_serial));
  CHECK_FALSE(s.platform.owns("0123"));
}

TEST_CASE("a state written before the platform certificates existed gets them on its next load, and keeps them") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  fs::remove(s.file(k_platform_cert_file));
  fs::remove(s.file(k_platform_expired_cert_file));
  const auto upgraded = create(tmp / "state");
  CHECK(fs::exists(s.file(k_platform_cert_file)));
  CHECK(upgraded.platform.certificate_serial != s.platform.certificate_serial);
  CHECK(upgraded.platform.public_key_id == s.platform.public_key_id);
  CHECK(create(tmp / "state").platform.certificate_serial == upgraded.platform.certificate_serial);
  const auto other = crypto::PrivateKey::generate(2048);
  const auto foreign = crypto::Certificate::self_signed(other, "other", "1ABC", sh("2026-01-01T00:00:00"),
                                                        sh("2030-01-01T00:00:00"));
  tmp.write("state/" + std::string(k_platform_cert_file), foreign.to_pem());
  auto refused = load_or_create_state(s.dir, sh("2026-11-23T10:00:00"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find(std::string(k_platform_cert_file)) != std::string::npos);
}

TEST_CASE("the generated config names the backup host when one is served, and shows certificate mode") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  ClientConfigOptions o;
  o.base_url = "http://127.0.0.1:8470";
  o.backup_url = "http://127.0.0.1:8471";
  const std::string text = render_recharged_config(s, o);
  CHECK(text.find("backup_url = \"http://127.0.0.1:8471\"") != std::string::npos);
  CHECK(text.find("# certificate_files = [\"" + s.file(k_platform_cert_file).string() + "\"]") != std::string::npos);
  auto loaded = config::parse(text, tmp / "recharged.toml");
  REQUIRE(loaded.ok());
  REQUIRE(loaded->platform.backup_url.has_value());
  CHECK(loaded->platform.backup_url->port == 8471);
}

TEST_CASE("the generated config says where the daemon serves /metrics, as the sandbox was told") {
  test::TempDir tmp;
  const auto s = create(tmp / "state");
  ClientConfigOptions o;
  o.base_url = "http://127.0.0.1:8470";
  o.metrics_listen = "127.0.0.1:19480";
  const std::string text = render_recharged_config(s, o);
  CHECK(text.find("[metrics]") != std::string::npos);
  auto loaded = config::parse(text, tmp / "recharged.toml");
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
  CHECK(loaded->metrics.listen.host == "127.0.0.1");
  CHECK(loaded->metrics.listen.port == 19480);
}
