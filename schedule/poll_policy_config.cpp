#include "schedule/poll_policy_config.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <string>

namespace recharged::schedule {

using namespace std::chrono;

namespace {

using DurationRef = Millis& (*)(PollPolicyConfig&);
using RatioRef = double& (*)(PollPolicyConfig&);
using CountRef = int& (*)(PollPolicyConfig&);
using SwitchRef = bool& (*)(PollPolicyConfig&);

struct Knob {
  PollPolicyOption option;
  DurationRef duration = nullptr; // at most one of these is set; none for backoff_jitter
  RatioRef ratio = nullptr;
  CountRef count = nullptr;
  SwitchRef on_off = nullptr;
};

#define RECHARGED_DURATION(name, meaning) \
  Knob{{#name, meaning}, [](PollPolicyConfig& c) -> Millis& { return c.name; }, nullptr, nullptr, nullptr}
#define RECHARGED_RATIO(name, meaning) \
  Knob{{#name, meaning}, nullptr, [](PollPolicyConfig& c) -> double& { return c.name; }, nullptr, nullptr}

const std::array k_knobs{
    RECHARGED_DURATION(new_recovery_delay, "a NEW order (apply outcome unknown) is queried this long after creation"),
    RECHARGED_DURATION(dense_window, "how long after acceptance a QR / online-bank payer is likely on the page"),
    RECHARGED_DURATION(dense_interval, "query spacing while a QR / online-bank payer may be on the page"),
    RECHARGED_DURATION(instant_settle_delay, "QR and online-bank payments land within this after payment"),
    RECHARGED_RATIO(decay_ratio, "past a dense phase, spacing grows by this fraction of the time since it ended"),
    RECHARGED_DURATION(max_interval, "the longest gap between two queries of an open order"),
    RECHARGED_DURATION(bank_window, "how long after acceptance bank-transfer orders are polled at bank_interval"),
    RECHARGED_DURATION(bank_interval, "query spacing in bank_window for orders that allow BANK_TRANSFER (open hours)"),
    RECHARGED_DURATION(bank_office_interval,
                       "past bank_window, longest query gap of bank-capable orders at 09:00-17:15 workdays; 0s = off"),
    RECHARGED_DURATION(bank_settle_delay,
                       "bank transfers land within this once interbank is open; reopen polls wait it"),
    RECHARGED_DURATION(bank_reopen_spread, "reopen polls of many orders are spread over this much time"),
    RECHARGED_DURATION(bank_preclose_lead, "a bank-only order's poll that would fall in a closed window moves this far "
                                           "before the close"),
    RECHARGED_DURATION(min_spacing, "an order is never queried twice within this"),
    RECHARGED_RATIO(jitter_ratio, "each planned gap moves by a deterministic +-(this fraction) to avoid lock-step"),
    RECHARGED_DURATION(jitter_max, "the largest jitter of one poll and of the stale-close deadline"),
    RECHARGED_DURATION(stale_close_age, "age at which an unpaid order is closed (final query, close, confirm)"),
    RECHARGED_DURATION(close_latest_age, "latest age a bank-capable order's close may wait to, for the last "
                                         "interbank reopening + settlement; at most 7d - 5m"),
    RECHARGED_DURATION(close_return_wait, "after a payment is sent back, the payer usually sends again: the close "
                                          "waits at least this after the return (0s = it does not)"),
    RECHARGED_DURATION(closing_confirm_delay, "a CLOSING order is re-checked this soon"),
    Knob{{"backoff_base", "the first retry's delay scale after a failed call"},
         [](PollPolicyConfig& c) -> Millis& { return c.backoff.base; }, nullptr, nullptr, nullptr},
    Knob{{"backoff_cap", "no retry after failed calls waits longer than this"},
         [](PollPolicyConfig& c) -> Millis& { return c.backoff.cap; }, nullptr, nullptr, nullptr},
    Knob{{"backoff_jitter", "how retry delays are spread: none, full, equal or decorrelated"}, nullptr, nullptr,
         nullptr, nullptr},
    Knob{{"push_aware", "true: while notifications arrive, open orders follow the sparser safety net"},
         nullptr, nullptr, nullptr, [](PollPolicyConfig& c) -> bool& { return c.push_aware; }},
    RECHARGED_DURATION(safety_first_poll, "safety net (push healthy): the first query this long after acceptance"),
    RECHARGED_RATIO(safety_ratio, "safety net: spacing is this fraction of the order's age"),
    RECHARGED_DURATION(safety_max_interval, "safety net: the longest gap, the bound on finding a lost notification"),
    RECHARGED_DURATION(push_grace, "a payment found by a query this long after it landed, not notified: a lost "
                                   "notification"),
    Knob{{"push_miss_limit", "lost or refused notifications since the last verified one that make push unhealthy"},
         nullptr, nullptr, [](PollPolicyConfig& c) -> int& { return c.push_miss_limit; }, nullptr},
    Knob{{"push_recover_count", "verified notifications in a row that make push healthy"},
         nullptr, nullptr, [](PollPolicyConfig& c) -> int& { return c.push_recover_count; }, nullptr},
};

#undef RECHARGED_DURATION
#undef RECHARGED_RATIO

const std::array k_options = [] {
  std::array<PollPolicyOption, k_knobs.size()> out{};
  for (std::size_t i = 0; i < k_knobs.size(); ++i) out[i] = k_knobs[i].option;
  return out;
}();

const Knob* find_knob(std::string_view key) noexcept {
  for (const auto& knob : k_knobs)
    if (knob.option.key == key) return &knob;
  return nullptr;
}

Error bad(std::string_view key, const std::string& rule) {
  return Error::invalid(std::string(key), "The setting '" + std::string(key) + "' " + rule + ".");
}

std::string quoted(std::string_view value) { return "'" + std::string(value.substr(0, 40)) + "'"; }

Status positive(Millis d, std::string_view key) {
  if (d <= Millis{0}) return bad(key, "must be a positive duration, not " + format_duration(d));
  return {};
}

Status not_above(Millis small, std::string_view small_key, Millis big, std::string_view big_key) {
  if (small > big)
    return bad(small_key, "(" + format_duration(small) + ") must not exceed '" + std::string(big_key) + "' (" +
                              format_duration(big) + ")");
  return {};
}

Status check_durations(const PollPolicyConfig& c) {
  for (const auto& knob : k_knobs) {
    if (!knob.duration) continue;
    auto copy = c;
    const Millis d = knob.duration(copy);
    const bool may_be_zero = knob.option.key == "bank_reopen_spread" || knob.option.key == "jitter_max" ||
                             knob.option.key == "bank_preclose_lead" || knob.option.key == "bank_office_interval" ||
                             knob.option.key == "close_return_wait";
    if (may_be_zero ? d < Millis{0} : d <= Millis{0}) return positive(d, knob.option.key);
  }
  return {};
}

Status check_relations(const PollPolicyConfig& c) {
  RECHARGED_CHECK(not_above(c.min_spacing, "min_spacing", c.dense_interval, "dense_interval"));
  RECHARGED_CHECK(not_above(c.min_spacing, "min_spacing", c.bank_interval, "bank_interval"));
  RECHARGED_CHECK(not_above(c.dense_interval, "dense_interval", c.max_interval, "max_interval"));
  RECHARGED_CHECK(not_above(c.bank_interval, "bank_interval", c.max_interval, "max_interval"));
  RECHARGED_CHECK(not_above(c.stale_close_age, "stale_close_age", c.close_latest_age, "close_latest_age"));
  if (c.stale_close_age < hours{1}) return bad("stale_close_age", "must be at least 1h");
  if (c.close_latest_age > k_link_lifetime - k_close_margin)
    return bad("close_latest_age", "(" + format_duration(c.close_latest_age) + ") must be at most " +
                                       format_duration(k_link_lifetime - k_close_margin) +
                                       ": the platform expires the link after " + format_duration(k_link_lifetime) +
                                       " and the close needs " + format_duration(k_close_margin) +
                                       " to be retried");
  if (!(c.decay_ratio >= 0.0 && c.decay_ratio <= 10.0)) return bad("decay_ratio", "must be between 0 and 10");
  if (!(c.jitter_ratio >= 0.0 && c.jitter_ratio <= 0.5)) return bad("jitter_ratio", "must be between 0 and 0.5");
  if (!(c.safety_ratio > 0.0 && c.safety_ratio <= 10.0)) return bad("safety_ratio", "must be above 0 and at most 10");
  RECHARGED_CHECK(not_above(c.safety_first_poll, "safety_first_poll", c.safety_max_interval, "safety_max_interval"));
  if (c.push_miss_limit < 1 || c.push_miss_limit > 1000) return bad("push_miss_limit", "must be from 1 to 1000");
  if (c.push_recover_count < 1 || c.push_recover_count > 1000)
    return bad("push_recover_count", "must be from 1 to 1000");
  return {};
}

std::string format_ratio(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

} // namespace

Status validate(const PollPolicyConfig& cfg) {
  RECHARGED_CHECK(check_durations(cfg));
  RECHARGED_CHECK(check_relations(cfg));
  return validate(cfg.backoff);
}

std::span<const PollPolicyOption> poll_policy_options() noexcept { return k_options; }

Status set_poll_policy_option(PollPolicyConfig& cfg, std::string_view key, std::string_view value) {
  const Knob* knob = find_knob(key);
  if (!knob) return Error::invalid(std::string(key), "The [schedule] setting " + quoted(key) + " is unknown.");
  if (knob->duration) {
    auto d = parse_duration(value);
    if (!d) return bad(key, "must be a duration such as \"90s\", \"10m\" or \"6d\", not " + quoted(value));
    knob->duration(cfg) = *d;
    return {};
  }
  if (knob->ratio) {
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size())
      return bad(key, "must be a decimal number such as 0.25, not " + quoted(value));
    knob->ratio(cfg) = v;
    return {};
  }
  if (knob->count) {
    int v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size())
      return bad(key, "must be a whole number such as 3, not " + quoted(value));
    knob->count(cfg) = v;
    return {};
  }
  if (knob->on_off) {
    if (value != "true" && value != "false") return bad(key, "must be true or false, not " + quoted(value));
    knob->on_off(cfg) = value == "true";
    return {};
  }
  const auto jitter = parse_backoff_jitter(value);
  if (!jitter) return bad(key, "must be one of none, full, equal or decorrelated, not " + quoted(value));
  cfg.backoff.jitter = *jitter;
  return {};
}

std::string poll_policy_option_value(const PollPolicyConfig& cfg, std::string_view key) {
  const Knob* knob = find_knob(key);
  if (!knob) return {};
  auto copy = cfg;
  if (knob->duration) return format_duration(knob->duration(copy));
  if (knob->ratio) return format_ratio(knob->ratio(copy));
  if (knob->count) return std::to_string(knob->count(copy));
  if (knob->on_off) return knob->on_off(copy) ? "true" : "false";
  return std::string(to_string(cfg.backoff.jitter));
}

} // namespace recharged::schedule
