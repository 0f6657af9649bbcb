#include "bench/efficiency/figures.hpp"
#include "bench/efficiency/replay.hpp"
#include "tests/unit/bench/efficiency/efficiency_fixtures.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>

using namespace recharged;
using namespace recharged::bench::efficiency;
using recharged::test::efficiency::calendar;
using recharged::test::efficiency::sh;
using recharged::test::efficiency::tiny_workload;
using namespace std::chrono_literals;

namespace {

ReplayResult run(const Workload& w, Strategy s) {
  return replay(w, generate_orders(w), s, calendar(), schedule::PollPolicyConfig{});
}

std::uint64_t platform_calls(const OrderRecord& r) { return r.truth.applies + r.truth.queries + r.truth.closes; }

} // namespace

TEST_CASE("recharged over a tiny workload expires nothing, closes no paid order and sees every payment") {
  const Workload w = tiny_workload();
  const ReplayResult r = run(w, Strategy::recharged);
  const Figures f = summarize(r);
  CHECK(f.orders == w.orders);
  CHECK(f.expired == 0);
  CHECK(f.paid_closed == 0);
  CHECK(f.never_detected == 0);
  CHECK(f.paid > 40);
  CHECK(f.unpaid > 20);
  CHECK(f.detected == f.paid);
  CHECK(f.closed_by_us == f.unpaid);
  for (const auto& o : r.orders) {
    CHECK_FALSE(orders::is_open(o.local.state));
    if (o.detected_at) CHECK(*o.detected_at >= *o.truth.deposit.success_time);
  }
}

TEST_CASE("the calls the replay counts are exactly the calls the platform counted, order by order") {
  const Workload w = tiny_workload(80, 11);
  for (const Strategy s : all_strategies()) {
    CAPTURE(to_string(s));
    const ReplayResult r = run(w, s);
    std::uint64_t sum = 0;
    for (const auto& o : r.orders) {
      CHECK(o.calls == platform_calls(o));
      CHECK(o.truth.applies == 1);
      sum += o.calls;
    }
    CHECK(sum == r.calls);
    CHECK(r.calls == r.platform.apply_calls + r.platform.queries + r.platform.closes);
    CHECK(r.platform.apply_calls == w.orders);
    CHECK(summarize(r).calls_match);
  }
}

TEST_CASE("a stale close is one final query, one close call and one confirming query at the close deadline") {
  const Workload w = tiny_workload(100, 3);
  for (const Strategy s : {Strategy::recharged, Strategy::fixed_10m, Strategy::age_based}) {
    CAPTURE(to_string(s));
    const ReplayResult r = run(w, s);
    int closed = 0;
    for (const auto& o : r.orders) {
      if (o.truth.closes == 0) continue;
      ++closed;
      CHECK(o.truth.closes == 1);
      CHECK(o.local.state == orders::OrderState::closed);
      CHECK(*o.truth.deposit.close_time >= o.local.close_after);
      CHECK(*o.local.last_poll_at == *o.truth.deposit.close_time); // the confirming query, same instant
      CHECK(*o.truth.deposit.close_time < o.truth.expires_at);
    }
    CHECK(closed > 10);
    CHECK(summarize(r).expired == 0);
  }
}

TEST_CASE("the retry list stops after its seventh query: unpaid orders expire at the platform and nothing is closed") {
  const Workload w = tiny_workload(100, 5);
  const Figures f = summarize(run(w, Strategy::retry_list));
  const ReplayResult r = run(w, Strategy::retry_list);
  for (const auto& o : r.orders) {
    CHECK(o.truth.queries <= 7);
    CHECK(o.truth.closes == 0);
  }
  CHECK(f.closed_by_us == 0);
  CHECK(f.expired == f.unpaid);
  CHECK(f.expired > 20);
  CHECK(f.detected + f.never_detected == f.paid);
}

TEST_CASE("polling every minute sees each payment within a minute of its landing") {
  const Figures f = summarize(run(tiny_workload(40, 9), Strategy::fixed_1m));
  CHECK(f.detected == f.paid);
  CHECK(f.all.n == f.detected);
  CHECK(f.all.max <= 1.0);
  CHECK(f.all.max > 0.5);
}

TEST_CASE("every strategy faces the same orders and the same payers") {
  const Workload w = tiny_workload(60, 13);
  std::map<std::string, TimePoint> first_payment;
  for (const auto& o : run(w, Strategy::recharged).orders)
    if (!o.truth.plan.payments.empty()) first_payment[o.spec.out_recharge_no] = o.truth.plan.payments.front().paid_at;
  CHECK(first_payment.size() > 20);
  for (const Strategy s : {Strategy::fixed_10m, Strategy::retry_list}) {
    std::size_t same = 0;
    for (const auto& o : run(w, s).orders) {
      const auto it = first_payment.find(o.spec.out_recharge_no);
      if (it != first_payment.end() && !o.truth.plan.payments.empty() &&
          o.truth.plan.payments.front().paid_at == it->second)
        ++same;
    }
    CHECK(same == first_payment.size());
  }
}

TEST_CASE("money sent before our close is a paid close only when it lands before the latest close allowed") {
  // Three orders accepted together and closed by us at the same instant, 40 minutes before the link expires; the
  // latest close the policy allows is 30 minutes before. Their payers' transfers land at different times.
  const TimePoint accepted = sh("2026-02-17T00:40:00");
  const TimePoint expiry = accepted + 7 * 24h;
  const TimePoint closed = expiry - 40min;
  ReplayResult r;
  r.close_latest_age = 7 * 24h - 30min;
  for (const TimePoint lands : {expiry - 35min, expiry - 10min, expiry + 10min}) {
    OrderRecord o;
    o.local.applied_at = accepted;
    o.truth.applied_at = accepted;
    o.truth.expires_at = expiry;
    o.truth.deposit.recharge_state = sandbox::RechargeState::closed;
    o.truth.deposit.close_time = closed;
    sandbox::Payment p;
    p.channel = sandbox::RechargeChannel::bank_transfer;
    p.paid_at = accepted + 3 * 24h;
    p.lands_at = lands;
    o.truth.plan.payments.push_back(p);
    r.orders.push_back(o);
  }
  const Figures f = summarize(r);
  CHECK(f.closed_by_us == 3);
  CHECK(f.paid_closed == 1);      // landed 5 min after our close, 25 min before the latest close: our fault
  CHECK(f.landed_in_margin == 1); // landed 20 min after the latest close, before the expiry
  CHECK(f.held_past_expiry == 1); // landed after the expiry: the platform sends it back anyway
}

namespace {

ReplayResult run_push(Workload w, Strategy s, double lost, std::optional<std::pair<TimePoint, Millis>> outage = {}) {
  w.notifications_lost = lost;
  if (outage) {
    w.outage_start = outage->first;
    w.outage_length = outage->second;
  }
  return replay(w, generate_orders(w), s, calendar(), schedule::PollPolicyConfig{});
}

} // namespace

TEST_CASE("with notifications delivered, push-aware polling costs far less and still sees every payment safely") {
  const Workload w = tiny_workload(200, 5);
  const ReplayResult aware = run_push(w, Strategy::recharged, 0.0);
  const ReplayResult full = run_push(w, Strategy::recharged_full, 0.0);
  const Figures a = summarize(aware);
  const Figures f = summarize(full);
  for (const Figures* x : {&a, &f}) {
    CHECK(x->calls_match);
    CHECK(x->expired == 0);
    CHECK(x->paid_closed == 0);
    CHECK(x->never_detected == 0);
    CHECK(x->notified == x->paid); // nothing lost: every payment was reported by its notification
    CHECK(x->all.max == 0);        // delivered at the event's time
  }
  CHECK(a.calls_mean * 2 < f.calls_mean);
  CHECK(aware.notifications_delivered == aware.notifications_sent);
  REQUIRE_FALSE(aware.push.empty());
  CHECK(aware.push.front().health == schedule::PushHealth::healthy);
  CHECK(a.unhealthy_turns == 0);
  // Each delivered RECHARGE.SUCCESS / CLOSED is followed by one confirming query, as the daemon does.
  for (const auto& o : aware.orders)
    if (o.notified) CHECK(o.truth.queries >= 1);
}

TEST_CASE("with every notification lost, push-aware polling is the full schedule") {
  const Workload w = tiny_workload(120, 9);
  const Figures aware = summarize(run_push(w, Strategy::recharged, 1.0));
  const Figures full = summarize(run_push(w, Strategy::recharged_full, 1.0));
  CHECK(aware.calls_mean == full.calls_mean);
  CHECK(aware.all.p95 == full.all.p95);
  CHECK(aware.notified == 0);
}

TEST_CASE("lost notifications are found by the safety net within its bound, before weekends and holidays too") {
  // Two days before National Day, and a Thursday and Friday before a weekend: bank transfers landing on the
  // eve of a closure must not wait for the reopening.
  for (const std::string start : {"2026-09-29T00:00:00+08:00", "2026-11-19T00:00:00+08:00"}) {
    CAPTURE(start);
    Workload w = tiny_workload(400, 13);
    w.periods.front().start = parse_rfc3339(start).value();
    const ReplayResult r = run_push(w, Strategy::recharged, 0.5);
    const Figures f = summarize(r);
    CHECK(f.never_detected == 0);
    CHECK(f.notified < f.paid);
    CHECK(f.expired == 0);
    CHECK(f.paid_closed == 0);
    const schedule::PollPolicyConfig cfg;
    CHECK(f.all.max <= std::chrono::duration<double>(cfg.safety_max_interval + cfg.jitter_max).count() / 60.0);
  }
}

TEST_CASE("an outage of our endpoint turns the replay's judge unhealthy and the backlog arrives after it") {
  const Workload w = tiny_workload(300, 17);
  const TimePoint start = sh("2026-09-29T14:00:00");
  const ReplayResult r = run_push(w, Strategy::recharged, 0.0, std::make_pair(start, Millis{4h}));
  const Figures f = summarize(r);
  CHECK(f.unhealthy_turns >= 1);
  CHECK(f.outage_to_unhealthy >= 0);
  CHECK(f.outage_to_unhealthy < 240); // noticed during the outage (how soon depends on how many pay then)
  CHECK(f.expired == 0);
  CHECK(f.paid_closed == 0);
  CHECK(f.never_detected == 0);
  // Nothing arrives during the outage; what was due then arrives at a retry after it.
  bool healthy_again = false;
  for (const auto& c : r.push)
    if (c.at > start + 4h && c.health == schedule::PushHealth::healthy) healthy_again = true;
  CHECK(healthy_again);
}
