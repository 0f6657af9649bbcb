#include "config/config.hpp"

#include "core/file.hpp"
#include "schedule/poll_policy_config.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <map>
#include <regex>

using namespace recharged;
using namespace recharged::config;

namespace {

constexpr const char* k_minimal = R"(
[merchant]
mchid = "1900000001"
serial_no = "5f1c72e2a8931b72"
private_key_file = "keys/apiclient_key.pem"
apiv3_key_file = "credential:apiv3.key"
[platform]
public_key_id = "PUB_KEY_ID_0000000000000024101100397200000006"
public_key_file = "wxp_pub.pem"
)";

Result<Config> parse_text(const std::string& text) { return parse(text, "/etc/recharged/recharged.toml"); }

} // namespace

TEST_CASE("a minimal config gets the documented defaults") {
  auto c = parse_text(k_minimal);
  REQUIRE(c.ok());
  CHECK(c->merchant.serial_no == "5F1C72E2A8931B72"); // normalised to upper case
  CHECK(c->platform.base_url.to_string() == "https://api.mch.weixin.qq.com");
  REQUIRE(c->platform.backup_url.has_value());
  CHECK(c->platform.backup_url->to_string() == "https://api2.mch.weixin.qq.com");
  CHECK(c->platform.timeout == std::chrono::seconds{15});
  CHECK(c->database.path == "/var/lib/recharged/recharged.db");
  CHECK(c->notify.listen.host == "127.0.0.1");
  CHECK(c->notify.listen.port == 8480);
  CHECK(c->metrics.listen.port == 9480);
  CHECK(c->limits.concurrency == 4);
  CHECK(c->log.target == LogTarget::stderr_stream);
  CHECK(c->clock.speed == 1.0);
  CHECK(c->apply.recharge_scene == "ECOMMERCE_DEPOSIT");
  CHECK(c->calendar.dirs.size() == 2);
}

TEST_CASE("relative paths are resolved against the config file's directory") {
  auto c = parse_text(k_minimal);
  REQUIRE(c.ok());
  CHECK(c->merchant.private_key_file.spec == "/etc/recharged/keys/apiclient_key.pem");
  CHECK(c->platform.public_key_file == std::filesystem::path("/etc/recharged/wxp_pub.pem"));
}

TEST_CASE("a credential: secret resolves under $CREDENTIALS_DIRECTORY and fails clearly without it") {
  auto c = parse_text(k_minimal);
  REQUIRE(c.ok());
  unsetenv("CREDENTIALS_DIRECTORY");
  auto missing = c->merchant.apiv3_key_file.resolve();
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("CREDENTIALS_DIRECTORY") != std::string::npos);
  setenv("CREDENTIALS_DIRECTORY", "/run/credentials/recharged.service", 1);
  auto resolved = c->merchant.apiv3_key_file.resolve();
  REQUIRE(resolved.ok());
  CHECK(*resolved == std::filesystem::path("/run/credentials/recharged.service/apiv3.key"));
  unsetenv("CREDENTIALS_DIRECTORY");
}

TEST_CASE("every invalid value is refused with the key, the value and the rule") {
  struct Case {
    const char* extra;
    const char* key;
    const char* words;
  };
  const Case cases[] = {
      {"timeout = \"15\"\n", "platform.timeout", "duration"},
      {"timeout = \"2h\"\n", "platform.timeout", "between"},
      {"base_url = \"http://api.mch.weixin.qq.com\"\n", "platform.base_url", "plain http"},
      {"base_url = \"ftp://x\"\n", "platform.base_url", "https://"},
      {"proxy = 5\n", "platform.proxy", "string"},
      {"colour = \"blue\"\n", "platform.colour", "not a known key"},
      {"[limits]\nconcurrency = 0\n", "limits.concurrency", "between"},
      {"[limits]\nquery_rate = \"fast\"\n", "limits.query_rate", "number"},
      {"[notify]\nlisten = \"8480\"\n", "notify.listen", "host:port"},
      {"[notify]\npath = \"recharge\"\n", "notify.path", "start with /"},
      {"[apply]\nchannels = [\"CASH\"]\n", "apply.channels", "BANK_TRANSFER"},
      {"[apply]\nnotify_url = \"http://pay.example.com/n\"\n", "apply.notify_url", "https"},
      {"[apply]\nrecharge_scene = \"SHOP\"\n", "apply.recharge_scene", "ECOMMERCE_DEPOSIT"},
      {"[log]\nlevel = \"loud\"\n", "log.level", "trace"},
      {"[log]\ntarget = \"syslog\"\n", "log.target", "stderr or file"},
      {"[clock]\nspeed = 60\n", "clock.virtual_origin", "required"},
      {"[weather]\nsunny = true\n", "weather", "not a known section"},
      {"[database]\nbusy_timeout = \"soon\"\n", "database.busy_timeout", "duration"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.extra);
    // Keys for [platform] go inside the existing section; the others bring their own header.
    const std::string text = std::string(c.extra).starts_with("[")
                                 ? std::string(k_minimal) + c.extra
                                 : std::regex_replace(std::string(k_minimal), std::regex(R"(\[platform\]\n)"),
                                                      "[platform]\n" + std::string(c.extra));
    auto r = parse_text(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    CHECK(r.error().field == c.key);
    CHECK(r.error().message.find(c.key) != std::string::npos);
    CHECK(r.error().message.find(c.words) != std::string::npos);
  }
}

TEST_CASE("the merchant section is required and checked") {
  auto no_section = parse_text("[platform]\npublic_key_id = \"PUB_KEY_ID_1\"\npublic_key_file = \"k.pem\"\n");
  REQUIRE_FALSE(no_section.ok());
  CHECK(no_section.error().field == "merchant");
  auto letters = parse_text(std::regex_replace(std::string(k_minimal), std::regex("1900000001"), "19000abc"));
  REQUIRE_FALSE(letters.ok());
  CHECK(letters.error().field == "merchant.mchid");
  auto serial = parse_text(std::regex_replace(std::string(k_minimal), std::regex("5f1c72e2a8931b72"), "not-hex"));
  REQUIRE_FALSE(serial.ok());
  CHECK(serial.error().field == "merchant.serial_no");
  auto cred = parse_text(std::regex_replace(std::string(k_minimal), std::regex("credential:apiv3.key"), "credential:../x"));
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().field == "merchant.apiv3_key_file");
}

TEST_CASE("a config needs a way to verify the platform's answers") {
  auto r = parse_text("[merchant]\nmchid = \"1900000001\"\nserial_no = \"AB\"\nprivate_key_file = \"k\"\n"
                      "apiv3_key_file = \"v\"\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "platform");
  CHECK(r.error().message.find("certificate_files") != std::string::npos);
}

TEST_CASE("TOML syntax errors give the line and column") {
  auto r = parse_text(std::string(k_minimal) + "[limits\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("line 10") != std::string::npos);
}

TEST_CASE("a missing config file is reported with its path and the --config hint") {
  auto r = load("/nonexistent/recharged.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("/nonexistent/recharged.toml") != std::string::npos);
  CHECK(r.error().message.find("--config") != std::string::npos);
}

TEST_CASE("[schedule] keys set the policy over its defaults and [clock] builds shared virtual time") {
  auto c = parse_text(std::string(k_minimal) +
                      "[schedule]\ndense_interval = \"1m\"\ndecay_ratio = 0.3\n"
                      "[clock]\nspeed = 60\nvirtual_origin = \"2026-11-23T01:00:00Z\"\nreal_origin = \"2026-11-23T09:00:00+08:00\"\n");
  REQUIRE(c.ok());
  CHECK(c->schedule.dense_interval == std::chrono::minutes{1});
  CHECK(c->schedule.decay_ratio == doctest::Approx(0.3));
  CHECK(c->schedule.bank_interval == schedule::PollPolicyConfig{}.bank_interval); // not given: the default
  CHECK(c->clock.speed == 60.0);
  CHECK(format_utc(c->clock.real_origin) == "2026-11-23T01:00:00.000Z");
}

TEST_CASE("a [schedule] that run would refuse is refused by the config itself, naming the key and the rule") {
  const std::pair<const char*, const char*> cases[] = {
      {"dense_interval = \"5 minutes\"", "schedule.dense_interval"},
      {"dense_intervall = \"5m\"", "schedule.dense_intervall"},
      {"decay_ratio = 11", "schedule.decay_ratio"},
      {"jitter_ratio = \"0.9\"", "schedule.jitter_ratio"},
      {"stale_close_age = \"6d\"\nclose_latest_age = \"8d\"", "schedule.close_latest_age"},
      {"dense_interval = true", "schedule.dense_interval"},
  };
  for (const auto& [line, key] : cases) {
    auto c = parse_text(std::string(k_minimal) + "[schedule]\n" + line + "\n");
    REQUIRE_MESSAGE(!c.ok(), line);
    CHECK(c.error().kind == ErrorKind::invalid_input);
    CHECK_MESSAGE(c.error().field == key, c.error().field);
    CHECK_MESSAGE(c.error().message.find(key) != std::string::npos, c.error().message);
  }
}

TEST_CASE("the example config parses and documents every scheduler knob with its real default") {
  const auto path = std::filesystem::path(RECHARGED_SOURCE_DIR) / "etc/recharged.toml.example";
  auto text = read_file(path);
  REQUIRE(text.ok());
  auto c = parse(*text, path);
  REQUIRE(c.ok());
  CHECK(c->merchant.private_key_file.spec == "credential:apiclient_key.pem");
  const schedule::PollPolicyConfig defaults;
  for (const auto& option : schedule::poll_policy_options()) {
    const std::string line = "# " + std::string(option.key) + " = \"" +
                             schedule::poll_policy_option_value(defaults, option.key) + "\"";
    CAPTURE(line);
    CHECK(text->find(line) != std::string::npos);
  }
}

TEST_CASE("[notify] limits have safe defaults, are read, and are refused when they contradict each other") {
  auto d = parse_text(k_minimal);
  REQUIRE(d.ok());
  CHECK(d->notify.max_body_bytes == 64 * 1024);
  CHECK(d->notify.request_timeout == std::chrono::seconds{10});
  CHECK(d->notify.idle_timeout == std::chrono::seconds{5});
  CHECK(d->notify.max_connections == 256);
  CHECK(d->notify.max_connections_per_ip == 64);

  auto c = parse_text(std::string(k_minimal) + "[notify]\nrequest_timeout = \"3s\"\nidle_timeout = \"2s\"\n"
                                                "max_connections = 40\nmax_connections_per_ip = 0\n");
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK(c->notify.request_timeout == std::chrono::seconds{3});
  CHECK(c->notify.idle_timeout == std::chrono::seconds{2});
  CHECK(c->notify.max_connections == 40);
  CHECK(c->notify.max_connections_per_ip == 0);

  struct Case {
    const char* extra;
    const char* words;
  };
  const Case cases[] = {
      {"idle_timeout = \"1500ms\"\n", "whole seconds"},
      {"idle_timeout = \"10s\"\n", "shorter than notify.request_timeout"},
      {"request_timeout = \"500ms\"\n", "between"},
      {"max_connections = 0\n", "between"},
      {"max_connections_per_ip = -1\n", "between"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.extra);
    auto r = parse_text(std::string(k_minimal) + "[notify]\n" + k.extra);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field.starts_with("notify."));
    CHECK(r.error().message.find(k.words) != std::string::npos);
  }
}

TEST_CASE("[api] is off by default, and when on it needs a token file and stays on loopback or a unix socket") {
  CHECK_FALSE(parse_text(k_minimal)->api.listen.has_value());
  auto on = parse_text(std::string(k_minimal) +
                       "[api]\nlisten = \"unix:/run/recharged/api.sock\"\ntokens_file = \"credential:api-tokens\"\n"
                       "workers = 4\nmax_wait = \"20s\"\n");
  REQUIRE_MESSAGE(on.ok(), on.error().message);
  CHECK(on->api.listen->host == "unix:/run/recharged/api.sock");
  CHECK(on->api.tokens_file.spec == "credential:api-tokens");
  CHECK(on->api.workers == 4);
  CHECK(on->api.max_wait == std::chrono::seconds{20});
  const std::pair<std::string, std::string> refused[] = {
      {"[api]\nlisten = \"127.0.0.1:8490\"\n", "api.tokens_file"},
      {"[api]\nlisten = \"0.0.0.0:8490\"\ntokens_file = \"t\"\n", "api.listen"},
      {"[api]\nlisten = \"unix:relative.sock\"\ntokens_file = \"t\"\n", "api.listen"},
      {"[api]\nlisten = \"127.0.0.1:8490\"\ntokens_file = \"t\"\nidle_timeout = \"10s\"\n", "api.idle_timeout"},
      {"[api]\nlisten = \"127.0.0.1:8490\"\ntokens_file = \"t\"\nworkerz = 3\n", "api.workerz"},
  };
  for (const auto& [extra, key] : refused) {
    auto c = parse_text(std::string(k_minimal) + extra);
    REQUIRE_MESSAGE(!c.ok(), extra);
    CHECK(c.error().field == key);
  }
}

TEST_CASE("[[webhooks]] endpoints: URL split for the transport, secrets from files, event types checked") {
  auto c = parse_text(std::string(k_minimal) +
                      "[[webhooks]]\nname = \"backoffice\"\nurl = \"https://bo.example.com:8443/hooks/recharged?v=1\"\n"
                      "secret_file = \"credential:webhook-backoffice\"\nevents = [\"order.succeeded\", \"order.closed\"]\n"
                      "ca_file = \"internal-ca.pem\"\n"
                      "[[webhooks]]\nname = \"ledger\"\nurl = \"http://127.0.0.1:9000\"\nsecret_file = \"ledger.secret\"\n");
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  REQUIRE(c->webhooks.size() == 2);
  CHECK(c->webhooks[0].base.to_string() == "https://bo.example.com:8443");
  CHECK(c->webhooks[0].target == "/hooks/recharged?v=1");
  CHECK(c->webhooks[0].events == std::vector<std::string>{"order.succeeded", "order.closed"});
  CHECK(c->webhooks[1].target == "/");
  CHECK(c->webhooks[1].events.empty());
  CHECK(c->webhooks[0].ca_file == "/etc/recharged/internal-ca.pem");
  CHECK(c->webhooks[1].ca_file.empty()); // the system's CAs
  CHECK(c->webhooks[1].secret_file.spec == "/etc/recharged/ledger.secret");
  const std::pair<std::string, std::string> refused[] = {
      {"[[webhooks]]\nname = \"Back Office\"\nurl = \"https://a.example\"\nsecret_file = \"s\"\n", "webhooks[0].name"},
      {"[[webhooks]]\nname = \"a\"\nurl = \"http://a.example/h\"\nsecret_file = \"s\"\n", "webhooks.a.url"},
      {"[[webhooks]]\nname = \"a\"\nurl = \"https://a.example/h\"\nsecret_file = \"s\"\nevents = [\"order.paid\"]\n",
       "webhooks.a.events"},
      {"[[webhooks]]\nname = \"a\"\nurl = \"https://a.example/h\"\n", "webhooks[0].secret_file"},
      {"[[webhooks]]\nname = \"a\"\nurl = \"https://a.example\"\nsecret_file = \"s\"\n[[webhooks]]\nname = \"a\"\n"
       "url = \"https://b.example\"\nsecret_file = \"s\"\n",
       "webhooks[1].name"},
      {"[webhooks]\nname = \"a\"\n", "webhooks"},
      {"[[webhooks]]\nname = \"a\"\nurl = \"http://127.0.0.1:9000/h\"\nsecret_file = \"s\"\nca_file = \"ca.pem\"\n",
       "webhooks.a.ca_file"},
  };
  for (const auto& [extra, key] : refused) {
    auto bad = parse_text(std::string(k_minimal) + extra);
    REQUIRE_MESSAGE(!bad.ok(), extra);
    CHECK_MESSAGE(bad.error().field == key, bad.error().message);
  }
}

TEST_CASE("[database] url selects PostgreSQL; a password in it, a non-PostgreSQL URL or both backends are refused") {
  auto pg = parse_text(std::string(k_minimal) +
                       "[database]\nurl = \"postgresql://recharged@db.internal/recharged?sslmode=verify-full\"\n");
  REQUIRE(pg.ok());
  CHECK(pg->database.postgres());
  CHECK(pg->database.url == "postgresql://recharged@db.internal/recharged?sslmode=verify-full");
  CHECK_FALSE(parse_text(k_minimal)->database.postgres());

  const auto refused = [](const std::string& database, const std::string& field, const std::string& words) {
    CAPTURE(database);
    auto c = parse_text(std::string(k_minimal) + "[database]\n" + database + "\n");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().field == field);
    CHECK(c.error().message.find(words) != std::string::npos);
    CHECK(c.error().message.find("s3cret") == std::string::npos); // never repeated back
  };
  refused("url = \"postgresql://recharged:s3cret@db/recharged\"", "database.url", "password");
  refused("url = \"postgresql://db/recharged?sslmode=require&password=s3cret\"", "database.url", "password");
  refused("url = \"mysql://db/recharged\"", "database.url", "postgresql://");
  refused("url = \"postgresql://db/r\"\nurl_file = \"db.url\"", "database.url_file", "together");
  refused("path = \"/var/lib/recharged/recharged.db\"\nurl = \"postgresql://db/r\"", "database.path", "PostgreSQL");
  auto from_file = parse_text(std::string(k_minimal) + "[database]\nurl_file = \"credential:database-url\"\n");
  REQUIRE(from_file.ok());
  CHECK(from_file->database.postgres());
}
