#include "schedule/poll_policy_config.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace recharged;
using namespace recharged::schedule;
using namespace std::chrono;

TEST_CASE("the default policy is valid and closes well before the 7-day link expiry") {
  const PollPolicyConfig cfg;
  CHECK(validate(cfg).ok());
  CHECK(cfg.stale_close_age == days{6});
  CHECK(cfg.close_latest_age == k_link_lifetime - k_close_margin); // as late as the close's margin allows
}

TEST_CASE("every knob has a unique snake_case key, a meaning, and a value that round-trips") {
  const PollPolicyConfig defaults;
  std::set<std::string> keys;
  for (const auto& option : poll_policy_options()) {
    CAPTURE(option.key);
    CHECK(keys.insert(std::string(option.key)).second);
    CHECK(option.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    CHECK_FALSE(option.meaning.empty());
    const std::string value = poll_policy_option_value(defaults, option.key);
    REQUIRE_FALSE(value.empty());
    PollPolicyConfig copy;
    REQUIRE(set_poll_policy_option(copy, option.key, value).ok());
    CHECK(poll_policy_option_value(copy, option.key) == value);
  }
  CHECK(keys.size() == 29);
  CHECK(keys.contains("push_aware"));
  CHECK(keys.contains("safety_max_interval"));
  CHECK(keys.contains("close_return_wait"));
  CHECK(keys.contains("dense_interval"));
  CHECK(keys.contains("backoff_jitter"));
}

TEST_CASE("config text sets durations, ratios and the jitter mode") {
  PollPolicyConfig cfg;
  REQUIRE(set_poll_policy_option(cfg, "dense_interval", "2m").ok());
  REQUIRE(set_poll_policy_option(cfg, "decay_ratio", "0.3").ok());
  REQUIRE(set_poll_policy_option(cfg, "stale_close_age", "5d12h").ok());
  REQUIRE(set_poll_policy_option(cfg, "backoff_cap", "15m").ok());
  REQUIRE(set_poll_policy_option(cfg, "backoff_jitter", "full").ok());
  CHECK(cfg.dense_interval == minutes{2});
  CHECK(cfg.decay_ratio == doctest::Approx(0.3));
  CHECK(cfg.stale_close_age == days{5} + hours{12});
  CHECK(cfg.backoff.cap == minutes{15});
  CHECK(cfg.backoff.jitter == BackoffJitter::full);
  CHECK(validate(cfg).ok());
}

TEST_CASE("unknown keys and bad values are refused, naming the key and the value, and change nothing") {
  PollPolicyConfig cfg;
  const auto unknown = set_poll_policy_option(cfg, "poll_every", "1m");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("poll_every") != std::string::npos);
  const auto bad_duration = set_poll_policy_option(cfg, "dense_interval", "ninety");
  REQUIRE_FALSE(bad_duration.ok());
  CHECK(bad_duration.error().field == "dense_interval");
  CHECK(bad_duration.error().message.find("ninety") != std::string::npos);
  CHECK_FALSE(set_poll_policy_option(cfg, "decay_ratio", "0.5x").ok());
  CHECK_FALSE(set_poll_policy_option(cfg, "backoff_jitter", "random").ok());
  CHECK(cfg.dense_interval == PollPolicyConfig{}.dense_interval);
  CHECK(cfg.decay_ratio == PollPolicyConfig{}.decay_ratio);
}

TEST_CASE("validation refuses settings that would let an order reach the platform's expiry") {
  PollPolicyConfig cfg;
  cfg.close_latest_age = days{6} + hours{23} + minutes{56};
  auto r = validate(cfg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "close_latest_age");
  CHECK(r.error().message == "The setting 'close_latest_age' (6d23h56m) must be at most 6d23h55m: the platform "
                             "expires the link after 7d and the close needs 5m to be retried.");
  cfg = PollPolicyConfig{};
  cfg.stale_close_age = days{6} + hours{23} + minutes{57};
  CHECK(validate(cfg).error().field == "stale_close_age"); // later than close_latest_age
  cfg = PollPolicyConfig{};
  cfg.stale_close_age = minutes{30};
  CHECK(validate(cfg).error().field == "stale_close_age");
}

TEST_CASE("validation refuses zero intervals and inconsistent spacings") {
  PollPolicyConfig cfg;
  cfg.dense_interval = Millis{0};
  CHECK(validate(cfg).error().field == "dense_interval");
  cfg = PollPolicyConfig{};
  cfg.min_spacing = minutes{5};
  CHECK(validate(cfg).error().field == "min_spacing");
  cfg = PollPolicyConfig{};
  cfg.max_interval = minutes{1};
  CHECK(validate(cfg).error().field == "dense_interval");
  cfg = PollPolicyConfig{};
  cfg.jitter_ratio = 0.9;
  CHECK(validate(cfg).error().field == "jitter_ratio");
  cfg = PollPolicyConfig{};
  cfg.decay_ratio = -1;
  CHECK(validate(cfg).error().field == "decay_ratio");
  cfg = PollPolicyConfig{};
  cfg.backoff.base = Millis{0};
  CHECK(validate(cfg).error().field == "backoff_base");
  cfg = PollPolicyConfig{};
  cfg.bank_reopen_spread = Millis{0};
  cfg.jitter_max = Millis{0};
  CHECK(validate(cfg).ok()); // no spread, no jitter: allowed
}

TEST_CASE("the push-aware knobs take true/false, whole numbers and durations, and are checked") {
  PollPolicyConfig cfg;
  REQUIRE(set_poll_policy_option(cfg, "push_aware", "false").ok());
  REQUIRE(set_poll_policy_option(cfg, "push_miss_limit", "4").ok());
  REQUIRE(set_poll_policy_option(cfg, "push_recover_count", "5").ok());
  REQUIRE(set_poll_policy_option(cfg, "safety_max_interval", "6h").ok());
  REQUIRE(set_poll_policy_option(cfg, "safety_ratio", "0.5").ok());
  CHECK_FALSE(cfg.push_aware);
  CHECK(cfg.push_miss_limit == 4);
  CHECK(cfg.push_recover_count == 5);
  CHECK(cfg.safety_max_interval == hours{6});
  CHECK(poll_policy_option_value(cfg, "push_aware") == "false");
  CHECK(validate(cfg).ok());
  const auto yes = set_poll_policy_option(cfg, "push_aware", "yes");
  REQUIRE_FALSE(yes.ok());
  CHECK(yes.error().message.find("true or false") != std::string::npos);
  CHECK_FALSE(set_poll_policy_option(cfg, "push_miss_limit", "2.5").ok());
  cfg.push_miss_limit = 0;
  const auto zero = validate(cfg);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().field == "push_miss_limit");
  cfg.push_miss_limit = 2;
  cfg.safety_first_poll = hours{13};
  const auto order = validate(cfg);
  REQUIRE_FALSE(order.ok());
  CHECK(order.error().field == "safety_first_poll");
}
