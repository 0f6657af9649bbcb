#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "http/url.hpp"
#include "schedule/poll_policy_config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace recharged::config {

inline constexpr std::string_view k_default_path = "/etc/recharged/recharged.toml";

// Where a secret comes from: a path, or "credential:NAME" = $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential).
struct SecretSource {
  std::string spec; // as written in the file
  [[nodiscard]] Result<std::filesystem::path> resolve() const;
};

// Checks a PostgreSQL connection URI for [database] `key`: postgresql:// or postgres://, and — unless
// `password_allowed` (a URL read from a private file) — no password in it. The error never repeats a password.
[[nodiscard]] Status check_database_url(std::string_view key, const std::string& url, bool password_allowed);

struct MerchantConfig {
  std::string mchid;                        // platform merchant id (平台商户号)
  std::string serial_no;                    // merchant API certificate serial
  SecretSource private_key_file;            // apiclient_key.pem
  std::optional<std::filesystem::path> certificate_file; // apiclient_cert.pem: lets `check` match key ⇄ serial
  SecretSource apiv3_key_file;              // the 32-byte APIv3 key
};

struct PlatformConfig {
  http::BaseUrl base_url;                   // primary host
  std::optional<http::BaseUrl> backup_url;  // failover host
  std::string public_key_id;                // "PUB_KEY_ID_…" (public-key mode)
  std::optional<std::filesystem::path> public_key_file;
  std::vector<std::filesystem::path> certificate_files; // platform certificates (certificate mode)
  Millis connect_timeout{5'000};
  Millis timeout{15'000};
  std::string proxy;
  std::string ca_file;
  std::size_t max_response_bytes = 1 << 20;
};

struct DatabaseConfig {
  std::filesystem::path path = "/var/lib/recharged/recharged.db";
  // PostgreSQL instead of the SQLite file, for several daemons on several hosts: a libpq connection URI written
  // here (never with a password in it), or read from url_file (a chmod-600 file or credential:NAME) when it
  // carries one. Either path or url/url_file is configured, never both.
  std::string url;
  std::optional<SecretSource> url_file;
  [[nodiscard]] bool postgres() const noexcept { return !url.empty() || url_file.has_value(); }
  Millis busy_timeout{5'000};
  Millis wal_stall_limit{10 * 60'000}; // the daemon reports a WAL it could not checkpoint for this long
};

// Defaults for `recharged apply`; each can be overridden on the command line.
struct ApplyConfig {
  std::optional<std::string> notify_url;
  std::string recharge_scene = "ECOMMERCE_DEPOSIT";
  std::string account_type = "DEPOSIT";
  std::vector<std::string> channels; // empty = all channels
  std::string out_recharge_no_prefix = "RC";
};

struct NotifyConfig {
  bool enabled = true;
  http::ListenAddress listen{"127.0.0.1", 8480};
  std::string path = "/wxpay/recharge-notify";
  std::size_t max_body_bytes = 64 * 1024;
  // What one client can take from the listener (README "Notifications"); request_timeout > idle_timeout.
  Millis request_timeout{10'000};
  Millis idle_timeout{5'000}; // whole seconds
  int max_connections = 256;
  int max_connections_per_ip = 64; // 0 = no cap
};

struct MetricsConfig {
  bool enabled = true;
  http::ListenAddress listen{"127.0.0.1", 9480};
};

// The local order API (`[api]`), served by the daemon; off unless `listen` is set.
struct ApiConfig {
  std::optional<http::ListenAddress> listen;  // "127.0.0.1:8490" or "unix:/run/recharged/api.sock"
  SecretSource tokens_file;                   // lines "<read|write> <token>"; required when listen is set
  std::size_t max_body_bytes = 16 * 1024;
  Millis request_timeout{10'000};
  Millis idle_timeout{5'000};                 // whole seconds, shorter than request_timeout
  int max_connections = 64;
  int max_connections_per_ip = 32;            // 0 = no cap (a unix socket has none)
  int workers = 8;                            // requests handled at once (each may make a platform call)
  Millis max_wait{30'000};                    // the longest long-poll of GET /v1/events
};

// One of the merchant's webhook endpoints (`[[webhooks]]`).
struct WebhookConfig {
  std::string name;                  // [a-z0-9_-]{1,32}: the endpoint in the database, metrics and logs
  http::BaseUrl base;                // scheme, host, port of the URL
  std::string target;                // its path and query, as sent
  SecretSource secret_file;          // one whsec_ secret per line (two while rotating)
  std::vector<std::string> events;   // the event types it wants ("order.succeeded", …); empty = all
  Millis timeout{15'000};            // one delivery attempt, connect included
  std::string ca_file;               // https only: CA bundle that signs the endpoint's certificate; empty = system's
};

enum class LogTarget { stderr_stream, file };

struct LogConfig {
  LogTarget target = LogTarget::stderr_stream;
  std::filesystem::path file = "/var/log/recharged/recharged.log";
  std::string level = "info"; // trace | debug | info | warn | error
};

struct LimitsConfig {
  int concurrency = 4;        // API calls in flight at once
  double query_rate = 20.0;   // calls per second, per endpoint (token bucket)
  double apply_rate = 5.0;
  double close_rate = 5.0;
  int burst = 10;
  int batch_size = 256;       // due orders fetched per scheduling round
};

// The shipped calendar (installed under <datadir>/recharged/calendar, or this source tree's data/calendar for
// an uninstalled build), then /etc/recharged/calendar where operators drop next year's file.
[[nodiscard]] std::vector<std::filesystem::path> default_calendar_dirs();

struct CalendarConfig {
  std::vector<std::filesystem::path> dirs = default_calendar_dirs();
};

// Shared virtual time for the sandbox demo: both processes build the same ScaledClock from these three
// numbers. speed == 1 (the default) means real wall-clock time.
struct ClockConfig {
  double speed = 1.0;
  TimePoint virtual_origin{};
  TimePoint real_origin{};
};

struct Config {
  std::filesystem::path source;
  MerchantConfig merchant;
  PlatformConfig platform;
  DatabaseConfig database;
  ApplyConfig apply;
  NotifyConfig notify;
  MetricsConfig metrics;
  LogConfig log;
  LimitsConfig limits;
  CalendarConfig calendar;
  ClockConfig clock;
  schedule::PollPolicyConfig schedule; // [schedule] onto the policy's defaults, validated
  ApiConfig api;
  std::vector<WebhookConfig> webhooks;
};

// Loads and validates a config file. Every error names the key ("platform.base_url"), the value (secrets
// never) and the rule. Unknown keys are errors (they are usually typos). Relative paths are resolved against
// the config file's directory.
[[nodiscard]] Result<Config> load(const std::filesystem::path& path);
[[nodiscard]] Result<Config> parse(std::string_view toml, const std::filesystem::path& origin);

} // namespace recharged::config
