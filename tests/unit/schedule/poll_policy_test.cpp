#include "schedule/poll_policy.hpp"

#include "schedule/backoff.hpp"
#include "schedule/jitter.hpp"
#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;
using orders::OrderState;

namespace {

const PollPolicyConfig k_cfg;

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

} // namespace

TEST_CASE("terminal orders are never polled and say why") {
  for (const auto state : {OrderState::success, OrderState::closed, OrderState::rejected}) {
    auto o = accepted_order("T1", "2026-11-23T10:00:00");
    o.state = state;
    const auto p = plan_next_poll(o, sh("2026-11-23T10:05:00"), shipped_calendar(), k_cfg);
    CHECK_FALSE(is_scheduled(p));
    CHECK(p.at == TimePoint::max());
    CHECK(p.rule == PollRule::terminal);
    CHECK(starts_with(p.reason, "terminal: "));
  }
}

TEST_CASE("a SUSPECT order is left to an operator and never polled") {
  auto o = accepted_order("S1", "2026-11-23T10:00:00");
  o.state = OrderState::suspect;
  const auto p = plan_next_poll(o, sh("2026-11-23T10:05:00"), shipped_calendar(), k_cfg);
  CHECK_FALSE(is_scheduled(p));
  CHECK(p.rule == PollRule::suspect);
  CHECK(starts_with(p.reason, "suspect: "));
  CHECK(plan_until_close(o, sh("2026-11-23T10:05:00"), shipped_calendar(), k_cfg).size() == 1);
}

TEST_CASE("a NEW order is queried soon after creation, before anything else happens to it") {
  orders::Order o;
  o.out_recharge_no = "N1";
  o.state = OrderState::new_order;
  o.created_at = sh("2026-11-23T10:00:00");
  const auto p = plan_next_poll(o, sh("2026-11-23T10:00:00"), shipped_calendar(), k_cfg);
  CHECK(p.action == PollAction::query);
  CHECK(p.rule == PollRule::recovery);
  CHECK(p.at == sh("2026-11-23T10:00:30"));
  CHECK(starts_with(p.reason, "new: "));
  // Found after a restart an hour later: due now.
  const auto late = plan_next_poll(o, sh("2026-11-23T11:00:00"), shipped_calendar(), k_cfg);
  CHECK(late.at == sh("2026-11-23T11:00:00"));
}

TEST_CASE("a NEW order whose recovery queries keep failing backs off") {
  orders::Order o;
  o.out_recharge_no = "N2";
  o.state = OrderState::new_order;
  o.created_at = sh("2026-11-23T10:00:00");
  o.last_poll_at = sh("2026-11-23T10:05:00");
  o.failure_streak = 4;
  o.poll_count = 4;
  const auto p = plan_next_poll(o, sh("2026-11-23T10:05:00"), shipped_calendar(), k_cfg);
  CHECK(p.rule == PollRule::backoff);
  CHECK(p.at == sh("2026-11-23T10:05:00") + retry_delay(4, k_cfg.backoff, jitter_seed("N2", 4)));
  CHECK(starts_with(p.reason, "backoff: recovery query after 4 failures"));
}

TEST_CASE("a CLOSING order is confirmed soon, then backs off while it fails") {
  auto o = accepted_order("C1", "2026-11-23T10:00:00");
  o.state = OrderState::closing;
  o.last_poll_at = sh("2026-11-29T10:00:00");
  const auto now = sh("2026-11-29T10:00:00");
  const auto first = plan_next_poll(o, now, shipped_calendar(), k_cfg);
  CHECK(first.action == PollAction::close);
  CHECK(first.rule == PollRule::closing);
  CHECK(first.at == now + seconds{30});
  o.failure_streak = 6;
  const auto later = plan_next_poll(o, now, shipped_calendar(), k_cfg);
  CHECK(later.action == PollAction::close);
  CHECK(later.rule == PollRule::backoff);
  CHECK(later.at == now + std::max(k_cfg.min_spacing, retry_delay(6, k_cfg.backoff, jitter_seed("C1", 0))));
  CHECK(starts_with(later.reason, "backoff: close confirmation after 6 failures"));
}

TEST_CASE("a QR order is polled every 90s, within the jitter, while its payer may be on the page") {
  auto o = accepted_order("Q1", "2026-11-23T10:00:00", {"QR_RECHARGE"});
  const auto plan = plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg);
  TimePoint previous = *o.applied_at;
  int dense = 0;
  for (const auto& p : plan) {
    if (p.rule != PollRule::qr_window) break;
    CHECK(p.at - previous >= seconds{81});
    CHECK(p.at - previous <= seconds{99});
    CHECK(p.reason == "qr window: every 1m30s for 33m after acceptance");
    previous = p.at;
    ++dense;
  }
  CHECK(dense >= 20);
  CHECK(previous - *o.applied_at >= minutes{31}); // covers payments made up to 30 min after acceptance
}

TEST_CASE("after the dense window the spacing grows with age up to max_interval") {
  auto o = accepted_order("Q2", "2026-11-23T10:00:00", {"QR_RECHARGE", "ONLINE_BANK"});
  const auto plan = plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg);
  Millis previous_gap{0};
  TimePoint previous = *o.applied_at;
  for (std::size_t i = 0; i + 1 < plan.size(); ++i) { // the last entry is the close
    const Millis gap = plan[i].at - previous;
    previous = plan[i].at;
    if (plan[i].rule != PollRule::decay) continue;
    CHECK(gap <= k_cfg.max_interval + k_cfg.jitter_max);
    CHECK(gap + gap / 4 >= previous_gap); // never shrinks beyond the jitter
    previous_gap = gap;
  }
  CHECK(previous_gap >= k_cfg.max_interval - k_cfg.jitter_max);
  CHECK(plan.size() < 60); // QR-only orders are cheap once the payer is gone
}

TEST_CASE("the whole plan of any order stays before close_after and ends with the close") {
  const std::vector<std::vector<std::string>> channel_sets{
      {}, {"BANK_TRANSFER"}, {"QR_RECHARGE"}, {"QR_RECHARGE", "ONLINE_BANK"}, {"ONLINE_BANK", "BANK_TRANSFER"}};
  int checked = 0;
  for (int day = 0; day < 70; day += 3) {
    for (const auto& channels : channel_sets) {
      const TimePoint applied = sh("2026-09-14T08:37:00") + days{day} + hours{(day * 5) % 24};
      auto o = accepted_order("P" + std::to_string(day) + "C" + std::to_string(channels.size()),
                              format_rfc3339(applied).substr(0, 19), channels);
      o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
      CHECK(o.close_after >= *o.applied_at + k_cfg.stale_close_age - k_cfg.jitter_max);
      CHECK(o.close_after <= *o.applied_at + k_cfg.close_latest_age);
      const auto plan = plan_until_close(o, applied, shipped_calendar(), k_cfg);
      REQUIRE_FALSE(plan.empty());
      CHECK(plan.back().action == PollAction::close);
      CHECK(plan.back().at == o.close_after);
      CHECK(std::count_if(plan.begin(), plan.end(), [](const auto& p) { return p.action == PollAction::close; }) == 1);
      for (std::size_t i = 1; i < plan.size(); ++i) {
        REQUIRE(plan[i].at <= o.close_after);
        REQUIRE(plan[i].at >= plan[i - 1].at);
      }
      ++checked;
    }
  }
  CHECK(checked == 120);
}

TEST_CASE("an order already past close_after is due now, and the close is retried with backoff") {
  auto o = accepted_order("D1", "2026-11-16T10:00:00");
  o.close_after = sh("2026-11-22T10:00:00");
  const auto now = sh("2026-11-23T09:00:00");
  const auto p = plan_next_poll(o, now, shipped_calendar(), k_cfg);
  CHECK(p.at == now);
  CHECK(p.action == PollAction::close);
  CHECK(starts_with(p.reason, "stale: close at age 6d"));
  o.failure_streak = 3;
  o.last_poll_at = now;
  const auto retry = plan_next_poll(o, now, shipped_calendar(), k_cfg);
  CHECK(retry.action == PollAction::close);
  CHECK(retry.at > now);
  CHECK(retry.at <= now + k_cfg.backoff.cap);
}

TEST_CASE("failure backoff grows with the streak but never passes the close deadline") {
  auto o = accepted_order("B1", "2026-11-23T10:00:00", {"QR_RECHARGE"});
  o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
  o.last_poll_at = sh("2026-11-23T12:00:00");
  o.poll_count = 30;
  Millis previous{0};
  for (const int streak : {1, 3, 6}) {
    o.failure_streak = streak;
    const auto p = plan_next_poll(o, *o.last_poll_at, shipped_calendar(), k_cfg);
    CHECK(p.rule == PollRule::backoff);
    CHECK(starts_with(p.reason, "backoff: after " + std::to_string(streak) + " failure"));
    CHECK(p.at - *o.last_poll_at >= k_cfg.min_spacing);
    CHECK(p.at - *o.last_poll_at >= previous / 4);
    previous = p.at - *o.last_poll_at;
  }
  o.failure_streak = 20;
  o.last_poll_at = o.close_after - minutes{1};
  const auto near = plan_next_poll(o, *o.last_poll_at, shipped_calendar(), k_cfg);
  CHECK(near.at == o.close_after);
  CHECK(near.action == PollAction::close);
}

TEST_CASE("no poll comes sooner than min_spacing after the last one, even with extreme jitter") {
  PollPolicyConfig cfg;
  cfg.dense_interval = seconds{10};
  cfg.min_spacing = seconds{10};
  cfg.jitter_ratio = 0.5;
  REQUIRE(validate(cfg).ok());
  for (int i = 0; i < 200; ++i) {
    auto o = accepted_order("M" + std::to_string(i), "2026-11-23T10:00:00", {"QR_RECHARGE"});
    o.last_poll_at = sh("2026-11-23T10:03:00");
    o.poll_count = i;
    const auto p = plan_next_poll(o, *o.last_poll_at, shipped_calendar(), cfg);
    REQUIRE(p.at - *o.last_poll_at >= seconds{10});
  }
}

TEST_CASE("an overdue poll after downtime is due now, never in the past") {
  auto o = accepted_order("O1", "2026-11-23T10:00:00");
  o.last_poll_at = sh("2026-11-23T10:10:00");
  o.poll_count = 6;
  const auto now = sh("2026-11-23T13:00:00");
  const auto p = plan_next_poll(o, now, shipped_calendar(), k_cfg);
  CHECK(p.at == now);
  CHECK(p.reason.find("(overdue)") != std::string::npos);
}

TEST_CASE("the same inputs always give the same plan") {
  auto o = accepted_order("R20261123000042", "2026-11-27T16:20:00");
  const auto a = plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg);
  const auto b = plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].at == b[i].at);
    CHECK(a[i].reason == b[i].reason);
    CHECK(a[i].action == b[i].action);
  }
  o.last_poll_at = a[5].at;
  o.poll_count = 6;
  const auto once = plan_next_poll(o, a[5].at, shipped_calendar(), k_cfg);
  CHECK(once.at == a[6].at);
  CHECK(once.reason == a[6].reason);
}

TEST_CASE("1,000 orders accepted in the same second never poll in lock-step") {
  std::vector<orders::Order> batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back(accepted_order("BATCH" + std::to_string(100000 + i), "2026-11-23T10:00:00"));
  for (const int round : {1, 10, 40}) {
    std::map<Millis::rep, int> per_second;
    std::set<Millis::rep> distinct;
    for (auto& o : batch) {
      const auto plan = plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg,
                                         static_cast<std::size_t>(round));
      const auto at = plan.back().at.time_since_epoch().count();
      distinct.insert(at);
      ++per_second[at / 1000];
    }
    CAPTURE(round);
    CHECK(distinct.size() >= 950);
    int busiest = 0;
    for (const auto& [second, count] : per_second) busiest = std::max(busiest, count);
    CHECK(busiest <= 100); // the first polls spread over ±9 s; later ones much wider
  }
  std::set<Millis::rep> deadline_seconds;
  for (const auto& o : batch)
    deadline_seconds.insert(stale_close_deadline(o, shipped_calendar(), k_cfg).time_since_epoch().count() / 1000);
  CHECK(deadline_seconds.size() >= 50); // closes spread too
}

TEST_CASE("the channel profile follows available_recharge_channels, unknown channels count as instant") {
  auto o = accepted_order("CH", "2026-11-23T10:00:00");
  CHECK(channel_profile(o).instant);
  CHECK(channel_profile(o).bank);
  o.channels = {"BANK_TRANSFER"};
  CHECK_FALSE(channel_profile(o).instant);
  CHECK(channel_profile(o).bank);
  o.channels = {"QR_RECHARGE"};
  CHECK(channel_profile(o).instant);
  CHECK_FALSE(channel_profile(o).bank);
  o.channels = {"BANK_TRANSFER", "WECHAT_FUTURE_CHANNEL"};
  CHECK(channel_profile(o).instant);
}

TEST_CASE("a NEW order's plan starts with the recovery query and continues as an accepted order") {
  orders::Order o;
  o.out_recharge_no = "N3";
  o.state = OrderState::new_order;
  o.created_at = sh("2026-11-23T10:00:00");
  const auto plan = plan_until_close(o, o.created_at, shipped_calendar(), k_cfg);
  REQUIRE(plan.size() > 30);
  CHECK(plan[0].rule == PollRule::recovery);
  CHECK(plan[1].rule == PollRule::qr_window);
  CHECK(plan.back().action == PollAction::close);
  CHECK(plan_until_close(o, o.created_at, shipped_calendar(), k_cfg, 5).size() == 5);
}

TEST_CASE("poll actions and rules have stable names") {
  CHECK(to_string(PollAction::query) == "query");
  CHECK(to_string(PollAction::close) == "close");
  CHECK(parse_poll_action("close") == PollAction::close);
  CHECK_FALSE(parse_poll_action("CLOSE").has_value());
  CHECK(to_string(PollRule::bank_reopen) == "bank");
  CHECK(to_string(PollRule::qr_window) == "qr window");
  CHECK(to_string(PollRule::stale_close) == "stale");
}
