#include "schedule/push_health.hpp"

#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;

namespace {

PollPolicyConfig knobs() {
  PollPolicyConfig c;
  c.push_grace = minutes{2};
  c.push_miss_limit = 2;
  c.push_recover_count = 3;
  return c;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// A judge that has seen `n` verified notifications, one a minute from `t0`.
PushHealthJudge healthy_judge(TimePoint t0, int n = 3) {
  PushHealthJudge j(knobs(), t0);
  for (int i = 0; i < n; ++i) (void)j.verified(t0 + minutes{i}, "OK" + std::to_string(i));
  return j;
}

} // namespace

TEST_CASE("push health starts unknown and turns healthy after push_recover_count verified notifications") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j(knobs(), t0);
  CHECK(j.status().health == PushHealth::unknown);
  CHECK(contains(j.status().reason, "no verified notification yet"));
  CHECK_FALSE(j.verified(t0 + minutes{1}, "A"));
  CHECK_FALSE(j.verified(t0 + minutes{2}, "B"));
  CHECK(j.verified(t0 + minutes{3}, "C"));
  CHECK(j.status().health == PushHealth::healthy);
  CHECK(j.status().since == t0 + minutes{3});
  CHECK(contains(j.status().reason, "3 verified notifications in a row"));
  CHECK(j.view().health == PushHealth::healthy);
  CHECK(j.status().verified == 3);
}

TEST_CASE("payments found by queries with nothing verified after them turn push unhealthy, naming the order") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  const TimePoint last = t0 + minutes{2};
  // Both landed after the last verified notification and were found long after the grace.
  CHECK_FALSE(j.found_paid(last + minutes{20}, "LOST1", last + minutes{5}));
  CHECK(j.status().health == PushHealth::healthy);
  CHECK(j.found_paid(last + minutes{25}, "LOST2", last + minutes{6}));
  CHECK(j.status().health == PushHealth::unhealthy);
  CHECK(j.status().since == last + minutes{25});
  CHECK(contains(j.status().reason, "2 notifications lost or refused"));
  CHECK(contains(j.status().reason, "LOST2"));
  CHECK(j.status().lost == 2);
}

TEST_CASE("one notification lost among notifications that keep arriving is an isolated loss, not an outage") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  // Paid at 10:05, notified payments verified at 10:06 and 10:30: the endpoint worked after both payments.
  (void)j.verified(t0 + minutes{6}, "X");
  CHECK_FALSE(j.found_paid(t0 + hours{2}, "ALONE1", t0 + minutes{5}));
  (void)j.verified(t0 + minutes{30}, "Y");
  CHECK_FALSE(j.found_paid(t0 + hours{3}, "ALONE2", t0 + minutes{20}));
  CHECK(j.status().health == PushHealth::healthy);
  CHECK(j.status().lost == 2);
  CHECK(j.status().evidence == 0);
}

TEST_CASE("a payment found within the grace is lost only if its notification does not come by then") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  const TimePoint paid = t0 + minutes{10};
  CHECK_FALSE(j.found_paid(paid + seconds{30}, "EARLY1", paid));
  CHECK_FALSE(j.found_paid(paid + seconds{40}, "EARLY2", paid + seconds{5}));
  CHECK(j.next_tick() == paid + minutes{2});
  // EARLY1's notification arrives within the grace; EARLY2's never does.
  CHECK_FALSE(j.verified(paid + seconds{50}, "EARLY1"));
  CHECK_FALSE(j.tick(paid + minutes{1}));
  CHECK(j.status().lost == 0);
  CHECK_FALSE(j.tick(paid + minutes{2} + seconds{5}));
  // EARLY2 landed before the verified EARLY1 notification: isolated.
  CHECK(j.status().lost == 1);
  CHECK(j.status().health == PushHealth::healthy);
  CHECK_FALSE(j.next_tick().has_value());
}

TEST_CASE("pending payments decided by tick() turn push unhealthy when nothing verified comes") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  const TimePoint paid = t0 + minutes{30};
  CHECK_FALSE(j.found_paid(paid + seconds{10}, "P1", paid));
  CHECK_FALSE(j.found_paid(paid + seconds{20}, "P2", paid + seconds{1}));
  CHECK(j.tick(paid + minutes{3}));
  CHECK(j.status().health == PushHealth::unhealthy);
}

TEST_CASE("refused notifications count as evidence too, and verified ones clear it") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  CHECK_FALSE(j.refused(t0 + minutes{10}, "bad_signature"));
  (void)j.verified(t0 + minutes{11}, "");
  CHECK_FALSE(j.refused(t0 + minutes{12}, "decrypt"));
  CHECK(j.status().health == PushHealth::healthy);
  CHECK(j.refused(t0 + minutes{13}, "decrypt"));
  CHECK(j.status().health == PushHealth::unhealthy);
  CHECK(contains(j.status().reason, "refused (decrypt)"));
  CHECK(j.status().refused == 3);
}

TEST_CASE("push recovers after push_recover_count verified notifications in a row, a loss restarting the count") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  (void)j.found_paid(t0 + hours{1}, "L1", t0 + minutes{30});
  (void)j.found_paid(t0 + hours{1}, "L2", t0 + minutes{31});
  REQUIRE(j.status().health == PushHealth::unhealthy);
  CHECK_FALSE(j.verified(t0 + hours{2}, "R1"));
  CHECK_FALSE(j.verified(t0 + hours{2} + minutes{1}, "R2"));
  CHECK_FALSE(j.refused(t0 + hours{2} + minutes{2}, "stale"));
  CHECK(j.status().streak == 0);
  CHECK_FALSE(j.verified(t0 + hours{3}, "R3"));
  CHECK_FALSE(j.verified(t0 + hours{3} + minutes{1}, "R4"));
  CHECK(j.verified(t0 + hours{3} + minutes{2}, "R5"));
  CHECK(j.status().health == PushHealth::healthy);
}

TEST_CASE("without a notification listener push is unhealthy for good") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j(knobs(), t0);
  j.listener_off(t0);
  CHECK(j.status().health == PushHealth::unhealthy);
  CHECK(contains(j.status().reason, "[notify] enabled = false"));
  for (int i = 0; i < 5; ++i) CHECK_FALSE(j.verified(t0 + minutes{i}, ""));
  CHECK(j.status().health == PushHealth::unhealthy);
}

TEST_CASE("a reloaded config changes the judge's knobs and keeps its state") {
  const TimePoint t0 = sh("2026-11-23T10:00:00");
  PushHealthJudge j = healthy_judge(t0);
  PollPolicyConfig c = knobs();
  c.push_miss_limit = 1;
  j.configure(c);
  CHECK(j.status().health == PushHealth::healthy);
  CHECK(j.found_paid(t0 + hours{1}, "ONE", t0 + minutes{30}));
  CHECK(j.status().health == PushHealth::unhealthy);
}
