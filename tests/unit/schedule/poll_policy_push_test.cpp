// The safety net: the schedule of RECHARGING orders while push is healthy (push_aware).

#include "schedule/poll_policy.hpp"

#include "schedule/interbank_timing.hpp"

#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;
using orders::OrderState;

namespace {

const PollPolicyConfig k_cfg;

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

PushView healthy_since(TimePoint t) { return {PushHealth::healthy, t}; }

} // namespace

TEST_CASE("while push is healthy an open order is planned on the safety net, else on the full schedule") {
  auto o = accepted_order("SN1", "2026-11-23T10:00:00");
  o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
  const TimePoint now = sh("2026-11-23T10:00:00");
  const auto sparse = plan_next_poll(o, now, shipped_calendar(), k_cfg, healthy_since(now));
  CHECK(sparse.rule == PollRule::safety_net);
  CHECK(starts_with(sparse.reason, "safety net: every 10m"));
  CHECK(sparse.reason.find("push healthy since") != std::string::npos);
  CHECK(sparse.at - now >= minutes{9});
  CHECK(sparse.at - now <= minutes{11});
  for (const auto health : {PushHealth::unknown, PushHealth::unhealthy}) {
    const auto full = plan_next_poll(o, now, shipped_calendar(), k_cfg, PushView{health, now});
    CHECK(full.rule == PollRule::qr_window);
    CHECK(full.at - now <= minutes{2});
  }
  PollPolicyConfig off = k_cfg;
  off.push_aware = false;
  CHECK(plan_next_poll(o, now, shipped_calendar(), off, healthy_since(now)).rule == PollRule::qr_window);
  CHECK(schedule_for(off, healthy_since(now)) == PollSchedule::full);
  CHECK(schedule_why(off, healthy_since(now)).find("push_aware = false") != std::string::npos);
  CHECK(schedule_for(k_cfg, healthy_since(now)) == PollSchedule::safety_net);
}

TEST_CASE("the safety net's gaps grow with age up to safety_max_interval and it still closes at the same deadline") {
  for (const auto& channels : {std::vector<std::string>{}, std::vector<std::string>{"BANK_TRANSFER"},
                               std::vector<std::string>{"QR_RECHARGE"}}) {
    auto o = accepted_order("SN2", "2026-09-30T16:00:00", channels);
    o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
    const TimePoint from = *o.applied_at;
    const auto plan = plan_until_close(o, from, shipped_calendar(), k_cfg, 1000, healthy_since(from));
    const auto full = plan_until_close(o, from, shipped_calendar(), k_cfg);
    REQUIRE(plan.size() >= 2);
    CHECK(plan.size() <= 25);
    if (channels.empty()) CHECK(full.size() > 2 * plan.size());
    // The close, its time and reason (holiday-aware deadline, final query first) do not depend on push.
    CHECK(plan.back().action == PollAction::close);
    CHECK(plan.back().at == o.close_after);
    CHECK(plan.back().reason == full.back().reason);
    TimePoint prev = from;
    for (std::size_t i = 0; i + 1 < plan.size(); ++i) {
      CAPTURE(i);
      const Millis gap = plan[i].at - prev;
      CHECK(gap >= k_cfg.min_spacing);
      prev = plan[i].at;
      if (!channels.empty() && channels.front() == "BANK_TRANSFER") {
        // Bank-only: never while the interbank system is closed; a last look before each closure, then the
        // reopening.
        CHECK(plan[i].rule == PollRule::safety_net);
        CHECK(transfers_settled_at(shipped_calendar(), plan[i].at, k_cfg.bank_settle_delay));
        continue;
      }
      CHECK(plan[i].rule == PollRule::safety_net);
      // The bound on finding a payment whose notification is lost: safety_max_interval plus the jitter.
      CHECK(gap <= k_cfg.safety_max_interval + k_cfg.jitter_max);
    }
    if (channels.empty() || channels.front() != "BANK_TRANSFER")
      CHECK(o.close_after - prev <= k_cfg.safety_max_interval + k_cfg.jitter_max);
  }
}

TEST_CASE("on the safety net failures still back off, and NEW and CLOSING orders are planned as before") {
  const TimePoint now = sh("2026-11-23T11:00:00");
  auto o = accepted_order("SN3", "2026-11-23T10:00:00");
  o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
  o.last_poll_at = now;
  o.failure_streak = 2;
  CHECK(plan_next_poll(o, now, shipped_calendar(), k_cfg, healthy_since(now)).rule == PollRule::backoff);
  o.failure_streak = 0;
  o.state = OrderState::closing;
  CHECK(plan_next_poll(o, now, shipped_calendar(), k_cfg, healthy_since(now)).rule == PollRule::closing);
  o.state = OrderState::new_order;
  CHECK(plan_next_poll(o, now, shipped_calendar(), k_cfg, healthy_since(now)).rule == PollRule::recovery);
}

TEST_CASE("a bank-only order on the safety net looks once more before a closed window, not days later") {
  // Accepted Friday 20 Nov 2026 09:00: the 12 h gap would end in the weekend's closure.
  auto o = accepted_order("SN4", "2026-11-20T09:00:00", {"BANK_TRANSFER"});
  o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
  o.last_poll_at = sh("2026-11-20T14:00:00");
  o.poll_count = 5;
  const auto p = plan_next_poll(o, sh("2026-11-20T14:00:00"), shipped_calendar(), k_cfg,
                                PushView{PushHealth::healthy, sh("2026-11-20T08:00:00")});
  CHECK(p.rule == PollRule::safety_net);
  CHECK(p.at == sh("2026-11-20T17:14:59"));
  CHECK(p.reason.find("last look before interbank closes") != std::string::npos);
  // From that look, the next one is after Monday's reopening + settlement.
  o.last_poll_at = p.at;
  ++o.poll_count;
  const auto next = plan_next_poll(o, p.at, shipped_calendar(), k_cfg,
                                   PushView{PushHealth::healthy, sh("2026-11-20T08:00:00")});
  CHECK(next.rule == PollRule::safety_net);
  CHECK(next.at >= sh("2026-11-23T00:10:00"));
  CHECK(next.at <= sh("2026-11-23T00:11:00"));
}
