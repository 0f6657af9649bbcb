#include "bench/efficiency/strategy.hpp"
#include "schedule/poll_policy.hpp"
#include "tests/unit/bench/efficiency/efficiency_fixtures.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::bench::efficiency;
using recharged::test::efficiency::calendar;
using recharged::test::efficiency::sh;
using namespace std::chrono_literals;

namespace {

const schedule::PollPolicyConfig k_cfg{};

orders::Order accepted(TimePoint at) {
  orders::Order o;
  o.out_recharge_no = "EFFTEST1";
  o.state = orders::OrderState::recharging;
  o.created_at = at;
  o.applied_at = at;
  o.close_after = schedule::stale_close_deadline(o, calendar(), k_cfg);
  return o;
}

// The visits a strategy makes to an order nobody pays, until it closes or gives up.
std::vector<Visit> visits(Strategy s, orders::Order o) {
  std::vector<Visit> out;
  TimePoint now = *o.applied_at;
  while (out.size() < 20000) {
    const Visit v = next_visit(s, o, now, calendar(), k_cfg);
    out.push_back(v);
    if (v.at == TimePoint::max() || v.close) break;
    now = v.at;
    o.last_poll_at = now;
    ++o.poll_count;
  }
  return out;
}

} // namespace

TEST_CASE("strategies are named for the JSON and parsed back") {
  for (const Strategy s : all_strategies()) CHECK(parse_strategy(to_string(s)) == s);
  CHECK(all_strategies().front() == Strategy::recharged);
  CHECK(parse_strategy("recharged_full") == Strategy::recharged_full);
  CHECK_FALSE(parse_strategy("fixed_5m").has_value());
}

TEST_CASE("recharged's visits are exactly the daemon's plan_next_poll") {
  // A Tuesday: the close waits for Monday's 20:30 reopening, the last before the link's expiry.
  const orders::Order o = accepted(sh("2026-11-24T10:00:00"));
  const auto v = visits(Strategy::recharged, o);
  const auto plan = schedule::plan_until_close(o, *o.applied_at, calendar(), k_cfg);
  REQUIRE(v.size() == plan.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    CHECK(v[i].at == plan[i].at);
    CHECK(v[i].close == (plan[i].action == schedule::PollAction::close));
  }
}

TEST_CASE("fixed schedules poll at their interval and close at the same deadline as recharged") {
  const orders::Order o = accepted(sh("2026-11-24T10:00:00"));
  const auto ten = visits(Strategy::fixed_10m, o);
  CHECK(ten[0].at == *o.applied_at + 10min);
  CHECK(ten[1].at == *o.applied_at + 20min);
  CHECK(ten.back().close);
  CHECK(ten.back().at == o.close_after);
  CHECK(ten.size() == static_cast<std::size_t>((o.close_after - *o.applied_at - 1ms) / 10min) + 1);
  const auto one = visits(Strategy::fixed_1m, o);
  CHECK(one.back().at == o.close_after);
  CHECK(one.size() > 8000);
}

TEST_CASE("the age-based schedule polls every minute, then every 10 minutes, hourly, and daily") {
  const orders::Order o = accepted(sh("2026-11-24T10:00:00"));
  const auto v = visits(Strategy::age_based, o);
  const TimePoint a = *o.applied_at;
  CHECK(v[0].at == a + 1min);
  CHECK(v[9].at == a + 10min);
  CHECK(v[10].at == a + 20min);
  CHECK(v[14].at == a + 60min);
  CHECK(v[15].at == a + 2h);
  CHECK(v[37].at == a + 24h);
  CHECK(v[38].at == a + 48h);
  CHECK(v.back().close);
  CHECK(v.back().at == o.close_after);
  CHECK(o.close_after > a + 6 * 24h); // an order that allows bank transfer waits for Monday's 20:30 reopening
  CHECK(v.size() == 38 + 5 + 1);      // daily at days 2..6, then the close
}

TEST_CASE("the retry list polls after 5m, 1h and then daily five times, and then never again") {
  const orders::Order o = accepted(sh("2026-11-24T10:00:00"));
  const auto v = visits(Strategy::retry_list, o);
  REQUIRE(v.size() == 8);
  const TimePoint a = *o.applied_at;
  CHECK(v[0].at == a + 5min);
  CHECK(v[1].at == a + 65min);
  CHECK(v[2].at == a + 65min + 24h);
  CHECK(v[6].at == a + 65min + 5 * 24h);
  CHECK(v[7].at == TimePoint::max());
  for (const auto& x : v) CHECK_FALSE(x.close);
}

TEST_CASE("no strategy visits a final order") {
  orders::Order o = accepted(sh("2026-11-24T10:00:00"));
  o.state = orders::OrderState::success;
  for (const Strategy s : all_strategies())
    CHECK(next_visit(s, o, *o.applied_at, calendar(), k_cfg).at == TimePoint::max());
}
