#include "sandbox/faults.hpp"

#include "sandbox/model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace recharged::sandbox {

std::string_view to_string(FaultKind k) noexcept {
  switch (k) {
  case FaultKind::none: return "none";
  case FaultKind::server_error: return "server_error";
  case FaultKind::rate_limited: return "rate_limited";
  case FaultKind::reset: return "reset";
  case FaultKind::timeout: return "timeout";
  case FaultKind::bad_signature: return "bad_signature";
  case FaultKind::probe_signature: return "probe_signature";
  }
  return "none";
}

std::string_view to_string(AnswerSigner s) noexcept {
  return s == AnswerSigner::certificate ? "certificate" : "public_key";
}

const std::vector<std::string>& signature_header_names() {
  static const std::vector<std::string> names{"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature",
                                              "Wechatpay-Serial", "Wechatpay-Signature-Type"};
  return names;
}

namespace {

std::string number(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

Error bad_value(std::string_view key, std::string_view value, std::string_view rule) {
  return Error::invalid("fault." + std::string(key), "The fault setting " + std::string(key) + "=" +
                                                          std::string(value.substr(0, 40)) + " is invalid: " +
                                                          std::string(rule) + ".");
}

Status set_rate(double& slot, std::string_view key, std::string_view value) {
  double v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || !(v >= 0 && v <= 1))
    return bad_value(key, value, "a rate is a number from 0 to 1");
  slot = v;
  return {};
}

Status set_duration(Millis& slot, std::string_view key, std::string_view value) {
  auto d = parse_duration(value);
  if (!d || d->count() < 0) return bad_value(key, value, "it must be a duration such as 300ms or 30s");
  slot = *d;
  return {};
}

Status set_limit(int& slot, std::string_view key, std::string_view value) {
  int v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < 0)
    return bad_value(key, value, "it must be a whole number of requests per second, 0 for no limit");
  slot = v;
  return {};
}

// "a,b,c" → {"a","b","c"}; "" and "none" → {}.
std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> out;
  if (value.empty() || value == "none") return out;
  while (true) {
    const auto comma = value.find(',');
    out.emplace_back(value.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

Status set_omit_fields(std::vector<std::string>& slot, std::string_view key, std::string_view value) {
  const auto& known = optional_order_fields();
  std::vector<std::string> fields = split_list(value);
  for (const auto& f : fields)
    if (std::find(known.begin(), known.end(), f) == known.end())
      return bad_value(key, value, "'" + f.substr(0, 40) + "' is not an optional field of an order answer (" + join_list(known) + ")");
  slot = std::move(fields);
  return {};
}

Status set_error(std::optional<NamedError>& slot, std::string_view key, std::string_view value) {
  if (value.empty() || value == "none") {
    slot.reset();
    return {};
  }
  const auto e = parse_named_error(value);
  if (!e) {
    std::string names;
    for (const auto n : all_named_errors()) names += (names.empty() ? "" : ", ") + std::string(to_string(n));
    return bad_value(key, value, "it must be none or one of " + names);
  }
  slot = *e;
  return {};
}

Status set_endpoint(std::string& slot, std::string_view key, std::string_view value) {
  if (value != "all" && value != "apply" && value != "query" && value != "close")
    return bad_value(key, value, "it must be apply, query, close or all");
  slot = std::string(value);
  return {};
}

Status set_enum_text(std::string& slot, std::string_view key, std::string_view value, bool (*known)(std::string_view)) {
  if (value == "none") value = "";
  if (!value.empty() && !known(value)) return bad_value(key, value, "it is not a value the pages list for this field");
  slot = std::string(value);
  return {};
}

bool account_type_text(std::string_view v) { return parse_account_type(v).has_value() || is_legacy_account_type(v); }
bool scene_text(std::string_view v) { return parse_scene(v).has_value() || is_legacy_scene(v); }

// "1900000102:no_auth_controlled,1900000103" (the wording defaults to no_auth).
Status set_no_auth(std::map<std::string, NamedError>& slot, std::string_view key, std::string_view value) {
  std::map<std::string, NamedError> out;
  for (const auto& item : split_list(value)) {
    const auto colon = item.find(':');
    const std::string sub = item.substr(0, colon);
    NamedError wording = NamedError::no_auth;
    if (colon != std::string::npos) {
      const auto e = parse_named_error(item.substr(colon + 1));
      if (!e || (*e != NamedError::no_auth && *e != NamedError::no_auth_punished && *e != NamedError::no_auth_controlled))
        return bad_value(key, value, "the wording after ':' must be no_auth, no_auth_punished or no_auth_controlled");
      wording = *e;
    }
    if (sub.empty() || sub.size() > 32 || !std::all_of(sub.begin(), sub.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad_value(key, value, "each entry is a sub_mchid of digits, optionally followed by ':' and a wording");
    out[sub] = wording;
  }
  slot = std::move(out);
  return {};
}

Status set_signer(AnswerSigner& slot, std::string_view key, std::string_view value) {
  if (value != "public_key" && value != "certificate") return bad_value(key, value, "it must be public_key or certificate");
  slot = value == "certificate" ? AnswerSigner::certificate : AnswerSigner::public_key;
  return {};
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// "Wechatpay-Signature,wechatpay-nonce" (any case), "all" (the five) or ""/"none"; kept in their usual spelling.
Status set_strip_headers(std::vector<std::string>& slot, std::string_view key, std::string_view value) {
  const auto& known = signature_header_names();
  if (value == "all") {
    slot = known;
    return {};
  }
  std::vector<std::string> out;
  for (const auto& name : split_list(value)) {
    const auto it = std::find_if(known.begin(), known.end(), [&](const std::string& k) { return same_name(k, name); });
    if (it == known.end())
      return bad_value(key, value, "'" + name.substr(0, 40) + "' is not one of " + join_list(known) + " (or all)");
    if (std::find(out.begin(), out.end(), *it) == out.end()) out.push_back(*it);
  }
  slot = std::move(out);
  return {};
}

// A duration that may be negative: "-10m", "90s", "0s".
Status set_offset(Millis& slot, std::string_view key, std::string_view value) {
  const bool negative = value.starts_with('-');
  auto d = parse_duration(negative ? value.substr(1) : value);
  if (!d || d->count() < 0) return bad_value(key, value, "it must be a duration such as 10m or -10m");
  slot = negative ? -*d : *d;
  return {};
}

Status set_host_state(bool& down, std::string_view key, std::string_view value) {
  if (value != "up" && value != "down") return bad_value(key, value, "it must be up or down");
  down = value == "down";
  return {};
}

std::string describe_no_auth(const std::map<std::string, NamedError>& m) {
  std::string out;
  for (const auto& [sub, wording] : m) out += (out.empty() ? "" : ",") + sub + ":" + std::string(to_string(wording));
  return out;
}

} // namespace

Status set_fault(FaultConfig& c, std::string_view key, std::string_view value) {
  if (key == "latency") return set_rate(c.latency, key, value);
  if (key == "latency_duration") return set_duration(c.latency_duration, key, value);
  if (key == "server_error") return set_rate(c.server_error, key, value);
  if (key == "rate_limited") return set_rate(c.rate_limited, key, value);
  if (key == "reset") return set_rate(c.reset, key, value);
  if (key == "timeout") return set_rate(c.timeout, key, value);
  if (key == "timeout_hold") return set_duration(c.timeout_hold, key, value);
  if (key == "bad_signature") return set_rate(c.bad_signature, key, value);
  if (key == "probe_signature") return set_rate(c.probe_signature, key, value);
  if (key == "notify_bad_signature") return set_rate(c.notify_bad_signature, key, value);
  if (key == "notify_probe_signature") return set_rate(c.notify_probe_signature, key, value);
  if (key == "notify_lost") return set_rate(c.notify_lost, key, value);
  if (key == "notify_endpoint") return set_host_state(c.notify_down, key, value);
  if (key == "frequency_limit") return set_limit(c.frequency_limit, key, value);
  if (key == "omit_optional") return set_rate(c.omit_optional, key, value);
  if (key == "omit_fields") return set_omit_fields(c.omit_fields, key, value);
  if (key == "extra_fields") return set_rate(c.extra_fields, key, value);
  if (key == "null_fields") return set_rate(c.null_fields, key, value);
  if (key == "odd_times") return set_rate(c.odd_times, key, value);
  if (key == "close_time_on_success") return set_rate(c.close_time_on_success, key, value);
  if (key == "account_type_as") return set_enum_text(c.account_type_as, key, value, &account_type_text);
  if (key == "recharge_scene_as") return set_enum_text(c.recharge_scene_as, key, value, &scene_text);
  if (key == "error") return set_error(c.error, key, value);
  if (key == "error_rate") return set_rate(c.error_rate, key, value);
  if (key == "error_endpoint") return set_endpoint(c.error_endpoint, key, value);
  if (key == "no_auth") return set_no_auth(c.no_auth, key, value);
  if (key == "sign_with") return set_signer(c.sign_with, key, value);
  if (key == "strip_headers") return set_strip_headers(c.strip_headers, key, value);
  if (key == "clock_offset") return set_offset(c.clock_offset, key, value);
  if (key == "backup_host") return set_host_state(c.backup_down, key, value);
  return Error::invalid("fault", "The fault setting '" + std::string(key.substr(0, 40)) +
                                     "' is unknown: use latency, latency_duration, server_error, rate_limited, "
                                     "reset, timeout, timeout_hold, bad_signature, probe_signature, "
                                     "notify_bad_signature, notify_probe_signature, notify_lost, notify_endpoint, "
                                     "frequency_limit, omit_optional, "
                                     "omit_fields, extra_fields, null_fields, odd_times, close_time_on_success, "
                                     "account_type_as, recharge_scene_as, error, error_rate, error_endpoint, no_auth, "
                                     "sign_with, strip_headers, clock_offset or backup_host.");
}

std::map<std::string, std::string> describe(const FaultConfig& c) {
  return {
      {"latency", number(c.latency)},
      {"latency_duration", format_duration(c.latency_duration)},
      {"server_error", number(c.server_error)},
      {"rate_limited", number(c.rate_limited)},
      {"reset", number(c.reset)},
      {"timeout", number(c.timeout)},
      {"timeout_hold", format_duration(c.timeout_hold)},
      {"bad_signature", number(c.bad_signature)},
      {"probe_signature", number(c.probe_signature)},
      {"notify_bad_signature", number(c.notify_bad_signature)},
      {"notify_probe_signature", number(c.notify_probe_signature)},
      {"notify_lost", number(c.notify_lost)},
      {"notify_endpoint", c.notify_down ? "down" : "up"},
      {"frequency_limit", std::to_string(c.frequency_limit)},
      {"omit_optional", number(c.omit_optional)},
      {"omit_fields", join_list(c.omit_fields)},
      {"extra_fields", number(c.extra_fields)},
      {"null_fields", number(c.null_fields)},
      {"odd_times", number(c.odd_times)},
      {"close_time_on_success", number(c.close_time_on_success)},
      {"account_type_as", c.account_type_as},
      {"recharge_scene_as", c.recharge_scene_as},
      {"error", c.error ? std::string(to_string(*c.error)) : std::string("none")},
      {"error_rate", number(c.error_rate)},
      {"error_endpoint", c.error_endpoint},
      {"no_auth", describe_no_auth(c.no_auth)},
      {"sign_with", std::string(to_string(c.sign_with))},
      {"strip_headers", join_list(c.strip_headers)},
      {"clock_offset", format_duration(c.clock_offset)},
      {"backup_host", c.backup_down ? "down" : "up"},
  };
}

FaultInjector::FaultInjector(FaultConfig config, std::uint64_t seed)
    : config_(config), rng_(Rng::derived(seed, "faults")) {}

FaultConfig FaultInjector::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void FaultInjector::set_config(const FaultConfig& config) {
  std::function<void(const FaultConfig&)> notify;
  {
    std::lock_guard lock(mu_);
    config_ = config;
    notify = on_change_;
  }
  if (notify) notify(config);
}

void FaultInjector::on_change(std::function<void(const FaultConfig&)> fn) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(fn);
}

FaultDecision FaultInjector::decide() {
  std::lock_guard lock(mu_);
  FaultDecision d;
  if (rng_.uniform() < config_.latency) d.latency = config_.latency_duration;
  const std::array<std::pair<FaultKind, double>, 6> table{{
      {FaultKind::server_error, config_.server_error},
      {FaultKind::rate_limited, config_.rate_limited},
      {FaultKind::reset, config_.reset},
      {FaultKind::timeout, config_.timeout},
      {FaultKind::bad_signature, config_.bad_signature},
      {FaultKind::probe_signature, config_.probe_signature},
  }};
  double u = rng_.uniform();
  for (const auto& [kind, rate] : table) {
    if (u < rate) {
      d.kind = kind;
      break;
    }
    u -= rate;
  }
  return d;
}

FaultKind FaultInjector::decide_notification() {
  std::lock_guard lock(mu_);
  const double u = rng_.uniform();
  if (u < config_.notify_bad_signature) return FaultKind::bad_signature;
  if (u < config_.notify_bad_signature + config_.notify_probe_signature) return FaultKind::probe_signature;
  return FaultKind::none;
}

bool FaultInjector::over_limit(std::string_view endpoint, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (config_.frequency_limit <= 0) return false;
  auto it = recent_.find(endpoint);
  if (it == recent_.end()) it = recent_.emplace(std::string(endpoint), std::deque<std::chrono::steady_clock::time_point>{}).first;
  auto& window = it->second;
  while (!window.empty() && now - window.front() >= std::chrono::seconds{1}) window.pop_front();
  if (window.size() >= static_cast<std::size_t>(config_.frequency_limit)) return true;
  window.push_back(now);
  return false;
}

} // namespace recharged::sandbox

namespace recharged::sandbox {

AnswerShape FaultInjector::shape() {
  std::lock_guard lock(mu_);
  // A rate of 0 draws nothing, so adding shapes to a seeded run leaves its other decisions as they were.
  auto draw = [this](double rate) { return rate > 0 && rng_.uniform() < rate; };
  AnswerShape s;
  s.omit_optional = draw(config_.omit_optional);
  s.omit = config_.omit_fields;
  s.extra_fields = draw(config_.extra_fields);
  s.null_fields = draw(config_.null_fields);
  s.odd_times = draw(config_.odd_times);
  s.close_time_on_success = draw(config_.close_time_on_success);
  s.account_type_as = config_.account_type_as;
  s.recharge_scene_as = config_.recharge_scene_as;
  return s;
}

std::optional<PlatformError> FaultInjector::forced_error(std::string_view endpoint) {
  std::lock_guard lock(mu_);
  if (!config_.error || (config_.error_endpoint != "all" && config_.error_endpoint != endpoint)) return std::nullopt;
  if (config_.error_rate < 1 && !(rng_.uniform() < config_.error_rate)) return std::nullopt;
  return platform_error(*config_.error);
}

std::optional<PlatformError> FaultInjector::no_auth(std::string_view sub_mchid) const {
  std::lock_guard lock(mu_);
  const auto it = config_.no_auth.find(std::string(sub_mchid));
  if (it == config_.no_auth.end()) return std::nullopt;
  return platform_error(it->second);
}

} // namespace recharged::sandbox
