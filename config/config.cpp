#include "config/config.hpp"

#include "core/file.hpp"
#include "orders/feed_event.hpp"
#include "schedule/poll_policy_config.hpp"
#include "wxpay/enums.hpp"
#include "wxpay/validation.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace recharged::config {
namespace {

// Thrown only inside this file; parse() turns it into an Error. `message` completes "<key> …", or is a whole
// sentence of its own when `sentence` (the scheduler's own checks).
struct Invalid {
  std::string key;
  std::string message;
  bool sentence = false;
};

[[noreturn]] void fail(const std::string& key, std::string message) { throw Invalid{key, std::move(message)}; }

std::string shown(std::string_view v) { return "'" + std::string(v.substr(0, 200)) + "'"; }

// Typed access to one [section] with unknown-key detection.
class Section {
public:
  Section(const toml::table& root, std::string name, std::set<std::string> allowed)
      : name_(std::move(name)), allowed_(std::move(allowed)) {
    if (const auto* node = root.get(name_)) {
      table_ = node->as_table();
      if (table_ == nullptr) fail(name_, "[" + name_ + "] must be a table");
      for (const auto& [k, v] : *table_) {
        (void)v;
        if (!allowed_.contains(std::string(k.str())))
          fail(name_ + "." + std::string(k.str()), "is not a known key of [" + name_ + "] (see etc/recharged.toml.example)");
      }
    }
  }

  [[nodiscard]] bool present() const noexcept { return table_ != nullptr; }
  [[nodiscard]] std::string key(std::string_view k) const { return name_ + "." + std::string(k); }

  std::optional<std::string> text(std::string_view k) const {
    const toml::node* n = node(k);
    if (n == nullptr) return std::nullopt;
    const auto* s = n->as_string();
    if (s == nullptr) fail(key(k), "must be a string in quotes");
    return s->get();
  }
  std::string required_text(std::string_view k) const {
    auto v = text(k);
    if (!v || v->empty()) fail(key(k), "is required and may not be empty");
    return *v;
  }
  std::optional<bool> boolean(std::string_view k) const {
    const toml::node* n = node(k);
    if (n == nullptr) return std::nullopt;
    const auto* b = n->as_boolean();
    if (b == nullptr) fail(key(k), "must be true or false");
    return b->get();
  }
  std::optional<double> number(std::string_view k, double min, double max) const {
    const toml::node* n = node(k);
    if (n == nullptr) return std::nullopt;
    double v = 0;
    if (const auto* i = n->as_integer()) v = static_cast<double>(i->get());
    else if (const auto* f = n->as_floating_point()) v = f->get();
    else fail(key(k), "must be a number");
    if (!(v >= min && v <= max))
      fail(key(k), "is " + std::to_string(v) + "; it must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  std::optional<Millis> duration(std::string_view k, Millis min, Millis max) const {
    auto t = text(k);
    if (!t) return std::nullopt;
    auto d = parse_duration(*t);
    if (!d) fail(key(k), "is " + shown(*t) + "; write a duration such as 500ms, 30s, 10m, 2h or 6d");
    if (*d < min || *d > max)
      fail(key(k), "is " + *t + "; it must be between " + format_duration(min) + " and " + format_duration(max));
    return *d;
  }
  std::vector<std::string> strings(std::string_view k) const {
    std::vector<std::string> out;
    const toml::node* n = node(k);
    if (n == nullptr) return out;
    const auto* arr = n->as_array();
    if (arr == nullptr) fail(key(k), "must be an array of strings, e.g. [\"a\", \"b\"]");
    for (const auto& item : *arr) {
      const auto* s = item.as_string();
      if (s == nullptr) fail(key(k), "must contain only strings");
      out.push_back(s->get());
    }
    return out;
  }
  const toml::table* table() const noexcept { return table_; }

private:
  const toml::node* node(std::string_view k) const { return table_ != nullptr ? table_->get(k) : nullptr; }

  std::string name_;
  std::set<std::string> allowed_;
  const toml::table* table_ = nullptr;
};

std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() ? path : base / path;
}

SecretSource secret(const Section& s, std::string_view k, const std::filesystem::path& base) {
  std::string spec = s.required_text(k);
  if (!spec.starts_with("credential:")) spec = resolve_path(base, spec).string();
  else if (spec.size() == 11 || spec.find('/') != std::string::npos)
    fail(s.key(k), "is " + shown(spec) + "; write credential:NAME with a plain file name");
  return SecretSource{spec};
}

http::BaseUrl base_url(const Section& s, std::string_view k, const std::string& text) {
  auto url = http::parse_base_url(text, s.key(k));
  if (!url) fail(s.key(k), url.error().message);
  return *url;
}

http::ListenAddress listen(const Section& s, std::string_view k, const http::ListenAddress& fallback) {
  auto t = s.text(k);
  if (!t) return fallback;
  auto a = http::parse_listen_address(*t, s.key(k));
  if (!a) fail(s.key(k), a.error().message);
  return *a;
}

void read_merchant(const toml::table& root, const std::filesystem::path& base, MerchantConfig& m) {
  Section s(root, "merchant", {"mchid", "serial_no", "private_key_file", "certificate_file", "apiv3_key_file"});
  if (!s.present()) fail("merchant", "the [merchant] section is required");
  m.mchid = s.required_text("mchid");
  if (auto ok = wxpay::validate_mchid(m.mchid, "merchant.mchid"); !ok) fail("merchant.mchid", ok.error().message);
  m.serial_no = s.required_text("serial_no");
  if (m.serial_no.size() > 64 || !std::all_of(m.serial_no.begin(), m.serial_no.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); // ASCII, any locale
      }))
    fail("merchant.serial_no", "is " + shown(m.serial_no) + "; it must be the certificate serial in hex");
  std::transform(m.serial_no.begin(), m.serial_no.end(), m.serial_no.begin(),
                 [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; });
  m.private_key_file = secret(s, "private_key_file", base);
  m.apiv3_key_file = secret(s, "apiv3_key_file", base);
  if (auto c = s.text("certificate_file"); c && !c->empty()) m.certificate_file = resolve_path(base, *c);
}

void read_platform(const toml::table& root, const std::filesystem::path& base, PlatformConfig& p) {
  Section s(root, "platform", {"base_url", "backup_url", "public_key_id", "public_key_file", "certificate_files",
                               "connect_timeout", "timeout", "proxy", "ca_file", "max_response_bytes"});
  p.base_url = base_url(s, "base_url", s.text("base_url").value_or("https://api.mch.weixin.qq.com"));
  const auto backup = s.text("backup_url");
  if (!backup) p.backup_url = base_url(s, "backup_url", "https://api2.mch.weixin.qq.com");
  else if (!backup->empty()) p.backup_url = base_url(s, "backup_url", *backup);
  p.public_key_id = s.text("public_key_id").value_or("");
  if (auto f = s.text("public_key_file"); f && !f->empty()) p.public_key_file = resolve_path(base, *f);
  for (const auto& c : s.strings("certificate_files")) p.certificate_files.push_back(resolve_path(base, c));
  if (!p.public_key_id.empty() && !p.public_key_id.starts_with("PUB_KEY_ID_"))
    fail("platform.public_key_id", "is " + shown(p.public_key_id) + "; a WeChat Pay public key id starts with PUB_KEY_ID_");
  if (p.public_key_id.empty() != !p.public_key_file.has_value())
    fail("platform.public_key_id", "public_key_id and public_key_file must be given together");
  if (p.public_key_id.empty() && p.certificate_files.empty())
    fail("platform", "give public_key_id + public_key_file (public-key mode) and/or certificate_files (certificate mode), "
                     "so WeChat Pay's answers can be verified");
  p.connect_timeout = s.duration("connect_timeout", Millis{100}, std::chrono::minutes{1}).value_or(p.connect_timeout);
  p.timeout = s.duration("timeout", std::chrono::seconds{1}, std::chrono::minutes{5}).value_or(p.timeout);
  p.proxy = s.text("proxy").value_or("");
  if (auto ca = s.text("ca_file"); ca && !ca->empty()) p.ca_file = resolve_path(base, *ca).string();
  if (auto m = s.number("max_response_bytes", 4096, 64 << 20)) p.max_response_bytes = static_cast<std::size_t>(*m);
}

void read_apply(const toml::table& root, ApplyConfig& a) {
  Section s(root, "apply", {"notify_url", "recharge_scene", "account_type", "channels", "out_recharge_no_prefix"});
  if (auto u = s.text("notify_url"); u && !u->empty()) {
    if (auto ok = wxpay::validate_notify_url(*u); !ok) fail("apply.notify_url", ok.error().message);
    a.notify_url = *u;
  }
  a.recharge_scene = s.text("recharge_scene").value_or(a.recharge_scene);
  if (!wxpay::parse<wxpay::RechargeScene>(a.recharge_scene))
    fail("apply.recharge_scene", "is " + shown(a.recharge_scene) + "; it must be ECOMMERCE_DEPOSIT or ECOMMERCE_PAYMENT");
  a.account_type = s.text("account_type").value_or(a.account_type);
  if (!wxpay::parse<wxpay::AccountType>(a.account_type))
    fail("apply.account_type", "is " + shown(a.account_type) + "; it must be DEPOSIT or OPERATION");
  a.channels = s.strings("channels");
  for (const auto& c : a.channels)
    if (!wxpay::parse<wxpay::RechargeChannel>(c))
      fail("apply.channels", "contains " + shown(c) + "; each must be BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK");
  a.out_recharge_no_prefix = s.text("out_recharge_no_prefix").value_or(a.out_recharge_no_prefix);
  const auto& p = a.out_recharge_no_prefix;
  if (p.size() > 16 || !std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); // ASCII, any locale
      }))
    fail("apply.out_recharge_no_prefix", "is " + shown(p) + "; it must be at most 16 characters of 0-9, A-Z, a-z");
}

void read_listeners(const toml::table& root, NotifyConfig& n, MetricsConfig& m) {
  Section ns(root, "notify", {"enabled", "listen", "path", "max_body_bytes", "request_timeout", "idle_timeout",
                              "max_connections", "max_connections_per_ip"});
  n.enabled = ns.boolean("enabled").value_or(n.enabled);
  n.listen = listen(ns, "listen", n.listen);
  n.path = ns.text("path").value_or(n.path);
  if (!n.path.starts_with("/") || n.path.find_first_of("?# ") != std::string::npos)
    fail("notify.path", "is " + shown(n.path) + "; it must start with / and have no query");
  if (auto b = ns.number("max_body_bytes", 1024, 1 << 20)) n.max_body_bytes = static_cast<std::size_t>(*b);
  n.request_timeout = ns.duration("request_timeout", Millis{1'000}, std::chrono::minutes{5}).value_or(n.request_timeout);
  n.idle_timeout = ns.duration("idle_timeout", Millis{1'000}, std::chrono::minutes{5}).value_or(n.idle_timeout);
  if (n.idle_timeout.count() % 1000 != 0)
    fail("notify.idle_timeout", "is " + format_duration(n.idle_timeout) + "; it must be whole seconds");
  if (n.idle_timeout >= n.request_timeout)
    fail("notify.idle_timeout", "is " + format_duration(n.idle_timeout) +
                                    "; it must be shorter than notify.request_timeout (" +
                                    format_duration(n.request_timeout) +
                                    "), which also counts a kept-alive connection's idle time");
  n.max_connections = static_cast<int>(ns.number("max_connections", 1, 10000).value_or(n.max_connections));
  n.max_connections_per_ip =
      static_cast<int>(ns.number("max_connections_per_ip", 0, 10000).value_or(n.max_connections_per_ip));
  Section ms(root, "metrics", {"enabled", "listen"});
  m.enabled = ms.boolean("enabled").value_or(m.enabled);
  m.listen = listen(ms, "listen", m.listen);
}

void read_api(const toml::table& root, const std::filesystem::path& base, ApiConfig& a) {
  Section s(root, "api", {"listen", "tokens_file", "max_body_bytes", "request_timeout", "idle_timeout",
                          "max_connections", "max_connections_per_ip", "workers", "max_wait"});
  if (!s.present()) return;
  if (auto t = s.text("listen")) {
    auto at = http::parse_listen_address(*t, "api.listen");
    if (!at) fail("api.listen", at.error().message);
    const bool unix_socket = at->host.starts_with("unix:");
    if (!unix_socket && !http::BaseUrl{"http", at->host, at->port}.is_loopback())
      fail("api.listen", "is " + shown(*t) + "; the order API serves loopback or a unix socket only (put a TLS "
                                               "proxy in front of it to reach it from elsewhere)");
    a.listen = *at;
  }
  if (s.text("tokens_file")) a.tokens_file = secret(s, "tokens_file", base);
  if (a.listen && a.tokens_file.spec.empty())
    fail("api.tokens_file", "is required when api.listen is set: the API serves no request without a token");
  if (auto b = s.number("max_body_bytes", 1024, 1 << 20)) a.max_body_bytes = static_cast<std::size_t>(*b);
  a.request_timeout = s.duration("request_timeout", Millis{1'000}, std::chrono::minutes{5}).value_or(a.request_timeout);
  a.idle_timeout = s.duration("idle_timeout", Millis{1'000}, std::chrono::minutes{5}).value_or(a.idle_timeout);
  if (a.idle_timeout.count() % 1000 != 0)
    fail("api.idle_timeout", "is " + format_duration(a.idle_timeout) + "; it must be whole seconds");
  if (a.idle_timeout >= a.request_timeout)
    fail("api.idle_timeout", "is " + format_duration(a.idle_timeout) + "; it must be shorter than api.request_timeout (" +
                                 format_duration(a.request_timeout) + ")");
  a.max_connections = static_cast<int>(s.number("max_connections", 1, 10000).value_or(a.max_connections));
  a.max_connections_per_ip =
      static_cast<int>(s.number("max_connections_per_ip", 0, 10000).value_or(a.max_connections_per_ip));
  a.workers = static_cast<int>(s.number("workers", 1, 64).value_or(a.workers));
  a.max_wait = s.duration("max_wait", Millis{0}, std::chrono::minutes{2}).value_or(a.max_wait);
}

// [[webhooks]]: an array of tables, one per endpoint.
void read_webhooks(const toml::table& root, const std::filesystem::path& base, std::vector<WebhookConfig>& out) {
  const auto* node = root.get("webhooks");
  if (node == nullptr) return;
  const auto* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables())
    fail("webhooks", "must be written as [[webhooks]] tables, one per endpoint");
  std::set<std::string> names;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    // A [[webhooks]] table read as a section of its own, named as an operator finds it: "webhooks[0]".
    const std::string at = "webhooks[" + std::to_string(i) + "]";
    toml::table wrapper;
    wrapper.insert(at, *arr->get(i)->as_table());
    Section s(wrapper, at, {"name", "url", "secret_file", "events", "timeout", "ca_file"});
    WebhookConfig w;
    w.name = s.required_text("name");
    const bool name_ok = w.name.size() <= 32 && std::all_of(w.name.begin(), w.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!name_ok) fail(at + ".name", "is " + shown(w.name) + "; use 1 to 32 of a-z, 0-9, _ and -");
    if (!names.insert(w.name).second) fail(at + ".name", "is " + shown(w.name) + ", the name of another endpoint");
    const std::string key = "webhooks." + w.name;
    const std::string url = s.required_text("url");
    const auto scheme_end = url.find("://");
    const auto path_at = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    const std::string origin = path_at == std::string::npos ? url : url.substr(0, path_at);
    auto parsed = http::parse_base_url(origin, key + ".url");
    if (!parsed) fail(key + ".url", parsed.error().message);
    w.base = *parsed;
    w.target = path_at == std::string::npos ? "/" : url.substr(path_at);
    if (w.target.find_first_of(" #\r\n") != std::string::npos || url.size() > 2048)
      fail(key + ".url", "is " + shown(url) + "; it may not hold spaces or a fragment, and at most 2048 characters");
    w.secret_file = secret(s, "secret_file", base);
    for (const auto& e : s.strings("events")) {
      if (!orders::parse_feed_type(e)) {
        std::string known;
        for (const auto t : orders::k_feed_types) known += (known.empty() ? "" : ", ") + std::string(orders::to_string(t));
        fail(key + ".events", "names " + shown(e) + "; the event types are " + known);
      }
      w.events.push_back(e);
    }
    w.timeout = s.duration("timeout", Millis{1'000}, std::chrono::minutes{1}).value_or(w.timeout);
    if (auto ca = s.text("ca_file"); ca && !ca->empty()) {
      if (w.base.scheme != "https")
        fail(key + ".ca_file", "is set for an " + w.base.scheme + " URL; it names the CA of an https endpoint");
      w.ca_file = resolve_path(base, *ca).string();
    }
    out.push_back(std::move(w));
  }
}

void read_log(const toml::table& root, const std::filesystem::path& base, LogConfig& l) {
  Section s(root, "log", {"target", "file", "level"});
  const std::string target = s.text("target").value_or("stderr");
  if (target == "stderr") l.target = LogTarget::stderr_stream;
  else if (target == "file") l.target = LogTarget::file;
  else fail("log.target", "is " + shown(target) + "; it must be stderr or file");
  if (auto f = s.text("file")) l.file = resolve_path(base, *f);
  l.level = s.text("level").value_or(l.level);
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
  if (!levels.contains(l.level)) fail("log.level", "is " + shown(l.level) + "; it must be trace, debug, info, warn or error");
}

void read_limits(const toml::table& root, LimitsConfig& l) {
  Section s(root, "limits", {"concurrency", "query_rate", "apply_rate", "close_rate", "burst", "batch_size"});
  l.concurrency = static_cast<int>(s.number("concurrency", 1, 64).value_or(l.concurrency));
  l.query_rate = s.number("query_rate", 0.01, 1000).value_or(l.query_rate);
  l.apply_rate = s.number("apply_rate", 0.01, 1000).value_or(l.apply_rate);
  l.close_rate = s.number("close_rate", 0.01, 1000).value_or(l.close_rate);
  l.burst = static_cast<int>(s.number("burst", 1, 1000).value_or(l.burst));
  l.batch_size = static_cast<int>(s.number("batch_size", 1, 10000).value_or(l.batch_size));
}

// [schedule]: each key onto the policy's documented defaults, then the knobs' relations — the same checks `run`
// makes, so `check` passes exactly the files `run` accepts.
void read_schedule(const toml::table& root, schedule::PollPolicyConfig& policy) {
  const auto* node = root.get("schedule");
  if (node == nullptr) return;
  const auto* t = node->as_table();
  if (t == nullptr) fail("schedule", "[schedule] must be a table");
  for (const auto& [k, v] : *t) {
    const std::string key = "schedule." + std::string(k.str());
    std::string value;
    if (const auto* s = v.as_string()) value = s->get();
    else if (const auto* i = v.as_integer()) value = std::to_string(i->get());
    else if (const auto* f = v.as_floating_point()) value = std::to_string(f->get());
    else if (const auto* b = v.as_boolean()) value = b->get() ? "true" : "false";
    else fail(key, "must be a string, a number or true/false");
    if (auto ok = schedule::set_poll_policy_option(policy, k.str(), value); !ok)
      throw Invalid{key, ok.error().message, true};
  }
  if (auto ok = schedule::validate(policy); !ok) throw Invalid{"schedule." + ok.error().field, ok.error().message, true};
}

void read_misc(const toml::table& root, const std::filesystem::path& base, Config& c) {
  Section db(root, "database", {"path", "url", "url_file", "busy_timeout", "wal_stall_limit"});
  const auto path = db.text("path");
  if (path) c.database.path = resolve_path(base, *path);
  if (auto url = db.text("url")) {
    if (auto ok = check_database_url("database.url", *url, false); !ok) fail("database.url", ok.error().message);
    c.database.url = *url;
  }
  if (db.text("url_file")) c.database.url_file = secret(db, "url_file", base);
  if (!c.database.url.empty() && c.database.url_file)
    fail("database.url_file", "cannot be set together with database.url; keep one of them");
  if (path && c.database.postgres())
    fail("database.path", "is the SQLite file, but database.url" + std::string(c.database.url_file ? "_file" : "") +
                              " selects PostgreSQL; keep one of them");
  c.database.busy_timeout =
      db.duration("busy_timeout", Millis{0}, std::chrono::minutes{10}).value_or(c.database.busy_timeout);
  c.database.wal_stall_limit =
      db.duration("wal_stall_limit", Millis{1'000}, std::chrono::hours{24}).value_or(c.database.wal_stall_limit);

  Section cal(root, "calendar", {"dirs"});
  if (cal.present() && cal.table()->get("dirs") != nullptr) {
    c.calendar.dirs.clear();
    for (const auto& d : cal.strings("dirs")) c.calendar.dirs.push_back(resolve_path(base, d));
  }

  Section clock(root, "clock", {"speed", "virtual_origin", "real_origin"});
  if (clock.present()) {
    c.clock.speed = clock.number("speed", 1, 100000).value_or(1.0);
    auto when = [&](std::string_view k) {
      const std::string t = clock.required_text(k);
      auto tp = parse_rfc3339(t);
      if (!tp) fail(clock.key(k), "is " + shown(t) + "; it must be an RFC 3339 time");
      return *tp;
    };
    c.clock.virtual_origin = when("virtual_origin");
    c.clock.real_origin = when("real_origin");
  }

  read_schedule(root, c.schedule);
}

void check_sections(const toml::table& root) {
  static const std::set<std::string> known{"merchant", "platform", "database", "apply", "notify", "metrics", "api",
                                           "webhooks", "log", "limits", "calendar", "clock", "schedule"};
  for (const auto& [k, v] : root) {
    (void)v;
    if (!known.contains(std::string(k.str())))
      fail(std::string(k.str()), "is not a known section (known: merchant, platform, database, apply, notify, "
                                 "metrics, api, webhooks, log, limits, calendar, clock, schedule)");
  }
}

} // namespace

std::vector<std::filesystem::path> default_calendar_dirs() {
  std::filesystem::path shipped = RECHARGED_CALENDAR_DIR;
  std::error_code ec;
  if (!std::filesystem::is_directory(shipped, ec)) shipped = RECHARGED_SOURCE_CALENDAR_DIR;
  return {shipped, "/etc/recharged/calendar"};
}

Status check_database_url(std::string_view key, const std::string& url, bool password_allowed) {
  const auto bad = [&](const std::string& rule) { return Error::invalid(std::string(key), std::string(key) + " " + rule); };
  const std::size_t scheme = url.find("://");
  const std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
  if (name != "postgresql" && name != "postgres")
    return bad("must be a PostgreSQL connection URI starting with postgresql:// (e.g. "
               "postgresql://recharged@db.internal/recharged?sslmode=verify-full)");
  if (password_allowed) return {};
  const std::string rest = url.substr(scheme + 3);
  const std::string authority = rest.substr(0, rest.find_first_of("/?"));
  const auto at = authority.rfind('@');
  std::string query = rest.find('?') == std::string::npos ? "" : rest.substr(rest.find('?'));
  std::transform(query.begin(), query.end(), query.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const bool in_userinfo = at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos;
  if (in_userinfo || query.find("?password=") != std::string::npos || query.find("&password=") != std::string::npos)
    return bad("holds a password, which the config file must not: put the URL in a chmod-600 file named by "
               "database.url_file (or credential:NAME), or the password in a libpq password file (passfile=…)");
  return {};
}

Result<std::filesystem::path> SecretSource::resolve() const {
  if (!spec.starts_with("credential:")) return std::filesystem::path(spec);
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0')
    return Error::invalid(spec, "The secret '" + spec +
                                    "' names a systemd credential, but $CREDENTIALS_DIRECTORY is not set (use "
                                    "LoadCredential= in the unit, or give a file path).");
  return std::filesystem::path(dir) / spec.substr(11);
}

Result<Config> parse(std::string_view text, const std::filesystem::path& origin) {
  Config c;
  c.source = origin;
  const std::filesystem::path base = origin.has_parent_path() ? origin.parent_path() : std::filesystem::path(".");
  try {
    const toml::table root = toml::parse(text, origin.string());
    check_sections(root);
    read_merchant(root, base, c.merchant);
    read_platform(root, base, c.platform);
    read_apply(root, c.apply);
    read_listeners(root, c.notify, c.metrics);
    read_api(root, base, c.api);
    read_webhooks(root, base, c.webhooks);
    read_log(root, base, c.log);
    read_limits(root, c.limits);
    read_misc(root, base, c);
  } catch (const Invalid& e) {
    if (e.sentence) return Error::invalid(e.key, "Config " + origin.string() + ": " + e.key + ": " + e.message);
    return Error::invalid(e.key, "Config " + origin.string() + ": " + e.key + " " + e.message + ".");
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error::invalid("toml", "Config " + origin.string() + " line " + std::to_string(where.line) + ", column " +
                                      std::to_string(where.column) + ": " + std::string(e.description()) + ".");
  }
  return c;
}

Result<Config> load(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) {
    Error e = std::move(text).error();
    e.message = "Cannot read the config file '" + path.string() + "' (use --config to point at another one).";
    return e;
  }
  return parse(*text, path);
}

} // namespace recharged::config
