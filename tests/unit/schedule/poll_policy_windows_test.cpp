// The polling policy against the interbank calendar: window edges, Friday nights, holidays, make-up days,
// the year boundary, and a host time zone other than Asia/Shanghai.

#include "schedule/interbank_timing.hpp"
#include "schedule/poll_policy.hpp"
#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;

namespace {

const PollPolicyConfig k_cfg;

std::vector<PlannedPoll> plan_for(const orders::Order& o) {
  return plan_until_close(o, *o.applied_at, shipped_calendar(), k_cfg);
}

std::vector<PlannedPoll> queries_between(const std::vector<PlannedPoll>& plan, TimePoint from, TimePoint to) {
  std::vector<PlannedPoll> out;
  for (const auto& p : plan)
    if (p.action == PollAction::query && p.at >= from && p.at < to) out.push_back(p);
  return out;
}

// Every instant in [from, to) at which the interbank system reopens (midnights and 20:30s, Shanghai).
std::vector<TimePoint> reopenings(TimePoint from, TimePoint to) {
  std::vector<TimePoint> out;
  const auto& cal = shipped_calendar();
  for (TimePoint day = shanghai_midnight(shanghai_date(from)); day < to; day += days{1}) {
    for (const TimePoint t : {day, day + hours{20} + minutes{30}})
      if (t >= from && t < to && cal.interbank_open(t) && !cal.interbank_open(t - milliseconds{1})) out.push_back(t);
  }
  return out;
}

} // namespace

TEST_CASE("a bank-only order is never polled inside a closed interbank window") {
  const auto& cal = shipped_calendar();
  int polls = 0;
  for (const char* applied : {"2026-11-23T09:00:00", "2026-11-27T16:50:00", "2026-09-29T14:00:00",
                              "2026-09-18T11:00:00", "2026-02-12T10:00:00", "2025-12-30T15:00:00",
                              "2026-10-09T19:00:00"}) {
    const std::string when = applied;
    CAPTURE(when);
    const auto plan = plan_for(accepted_order("BANK1", applied, {"BANK_TRANSFER"}));
    for (const auto& p : plan) {
      if (p.action != PollAction::query) continue;
      CAPTURE(format_rfc3339(p.at));
      CHECK(cal.interbank_open(p.at));
      ++polls;
    }
  }
  CHECK(polls > 200);
}

TEST_CASE("an order that allows bank transfer is polled just after every reopening plus the settlement delay") {
  std::vector<std::string> times{"2026-11-23T09:00:00", "2026-11-26T18:00:00", "2026-09-28T10:00:00",
                                 "2026-02-18T01:28:30"}; // the last reopening comes 74 min before the close
  for (int i = 0; i < 40; ++i) times.push_back(format_rfc3339(sh("2026-02-02T07:13:00") + hours{17 * i}).substr(0, 19));
  std::size_t checked = 0; // orders living inside Spring Festival see no reopening at all
  for (const auto& when : times) {
    for (const std::vector<std::string>& channels : {std::vector<std::string>{}, {"BANK_TRANSFER"}}) {
      CAPTURE(when);
      const auto o = accepted_order("SIM3N9749", when, channels);
      const auto plan = plan_for(o);
      const TimePoint close = plan.back().at;
      const auto reopens = reopenings(*o.applied_at, close - minutes{12});
      for (const TimePoint r : reopens) {
        CAPTURE(format_rfc3339(r));
        const auto hits = queries_between(plan, r + k_cfg.bank_settle_delay,
                                          r + k_cfg.bank_settle_delay + k_cfg.bank_reopen_spread + seconds{1});
        REQUIRE(hits.size() == 1);
        CHECK(hits[0].rule == PollRule::bank_reopen);
        CHECK(hits[0].reason.rfind("bank: interbank reopens ", 0) == 0);
        ++checked;
      }
    }
  }
  CHECK(checked > 200);
}

TEST_CASE("at the 17:15 edge a bank-only order takes a last look, then waits for 20:30 plus settlement") {
  auto o = accepted_order("EDGE1", "2026-11-23T09:00:00", {"BANK_TRANSFER"});
  o.last_poll_at = sh("2026-11-23T17:08:00");
  o.poll_count = 40;
  const auto last_look = plan_next_poll(o, *o.last_poll_at, shipped_calendar(), k_cfg);
  CHECK(last_look.at == sh("2026-11-23T17:14:59"));
  CHECK(last_look.rule == PollRule::bank_preclose);
  CHECK(last_look.reason == "bank preclose: last look before interbank closes Mon 17:15");
  o.last_poll_at = last_look.at;
  ++o.poll_count;
  const auto reopen = plan_next_poll(o, last_look.at, shipped_calendar(), k_cfg);
  CHECK(reopen.at >= sh("2026-11-23T20:40:00"));
  CHECK(reopen.at <= sh("2026-11-23T20:41:00"));
  CHECK(reopen.reason == "bank: interbank reopens Mon 20:30 +10m settlement");
}

TEST_CASE("a bank-only order polled hours apart still takes its last look before a weekend or a holiday") {
  auto o = accepted_order("FRI2", "2026-11-24T09:00:00", {"BANK_TRANSFER"}); // Tuesday
  o.last_poll_at = sh("2026-11-27T16:30:00"); // Friday, age 3 d: the next office-hours poll would be after 17:15
  o.poll_count = 60;
  const auto look = plan_next_poll(o, *o.last_poll_at, shipped_calendar(), k_cfg);
  CHECK(look.at == sh("2026-11-27T17:14:59"));
  CHECK(look.rule == PollRule::bank_preclose);
  // Whatever the jitter, the plans of orders days old look in before Friday's close and before National Day.
  for (int i = 0; i < 20; ++i) {
    const auto friday = plan_for(accepted_order("FRI" + std::to_string(i), "2026-11-24T09:00:00", {"BANK_TRANSFER"}));
    CHECK_FALSE(queries_between(friday, sh("2026-11-27T17:13:00"), sh("2026-11-27T17:15:00")).empty());
    const auto holiday = plan_for(accepted_order("NAT" + std::to_string(i), "2026-09-28T09:00:00", {"BANK_TRANSFER"}));
    CHECK_FALSE(queries_between(holiday, sh("2026-09-30T17:13:00"), sh("2026-09-30T17:15:00")).empty());
  }
}

TEST_CASE("days after the apply a bank-capable order is polled hourly in office hours, but not on rest days") {
  for (const std::vector<std::string>& channels : {std::vector<std::string>{}, {"BANK_TRANSFER"}}) {
    const auto plan = plan_for(accepted_order("OFF1", "2026-11-24T09:00:00", channels)); // Tuesday
    CAPTURE(channels.size());
    const auto thursday = queries_between(plan, sh("2026-11-26T09:00:00"), sh("2026-11-26T17:15:00"));
    REQUIRE(thursday.size() >= 7);
    CHECK(thursday.front().at <= sh("2026-11-26T10:06:00"));
    CHECK(thursday.back().at >= sh("2026-11-26T16:09:00"));
    for (std::size_t i = 1; i < thursday.size(); ++i) CHECK(thursday[i].at - thursday[i - 1].at <= minutes{66});
    for (const auto& p : thursday) CHECK(p.reason.rfind("bank ", 0) == 0);
    // Saturday is a rest day: the office cadence skips it (a bank-only order is not polled at all).
    const auto saturday = queries_between(plan, sh("2026-11-28T00:00:00"), sh("2026-11-29T00:00:00"));
    for (const auto& p : saturday) CHECK(p.rule != PollRule::bank_office);
    if (!channels.empty()) CHECK(saturday.empty());
  }
  PollPolicyConfig off = k_cfg;
  off.bank_office_interval = Millis{0};
  const auto o = accepted_order("OFF1", "2026-11-24T09:00:00", {"BANK_TRANSFER"});
  const auto plan = plan_until_close(o, *o.applied_at, shipped_calendar(), off);
  CHECK(queries_between(plan, sh("2026-11-26T09:00:00"), sh("2026-11-26T17:15:00")).size() <= 3);
}

TEST_CASE("an order that also allows QR keeps polling inside a closed window, a bank-only order does not") {
  const auto mixed = plan_for(accepted_order("MIX1", "2026-11-23T16:00:00"));
  const auto bank_only = plan_for(accepted_order("BO1", "2026-11-23T16:00:00", {"BANK_TRANSFER"}));
  CHECK_FALSE(queries_between(mixed, sh("2026-11-23T17:15:00"), sh("2026-11-23T20:30:00")).empty());
  CHECK(queries_between(bank_only, sh("2026-11-23T17:15:00"), sh("2026-11-23T20:40:00")).empty());
}

TEST_CASE("on a Friday night a bank-only order waits from 17:15 until Monday 00:10") {
  const auto plan = plan_for(accepted_order("FRI1", "2026-11-27T15:00:00", {"BANK_TRANSFER"}));
  CHECK(queries_between(plan, sh("2026-11-27T17:15:00"), sh("2026-11-30T00:10:00")).empty());
  const auto monday = queries_between(plan, sh("2026-11-30T00:10:00"), sh("2026-11-30T00:11:01"));
  REQUIRE(monday.size() == 1);
  CHECK(monday[0].reason == "bank: interbank reopens Mon 00:00 +10m settlement");
}

TEST_CASE("a make-up Sunday gets bank polls, the rest day before it does not") {
  // 2026-09-20 (Sunday) is a working day before Mid-Autumn and National Day; Saturday 09-19 is not.
  const auto plan = plan_for(accepted_order("MK1", "2026-09-18T10:00:00", {"BANK_TRANSFER"}));
  CHECK(queries_between(plan, sh("2026-09-18T17:15:00"), sh("2026-09-20T00:10:00")).empty());
  CHECK_FALSE(queries_between(plan, sh("2026-09-20T00:10:00"), sh("2026-09-20T17:15:00")).empty());
  CHECK(queries_between(plan, sh("2026-09-20T17:15:00"), sh("2026-09-20T20:40:00")).empty());
}

TEST_CASE("make-up Saturdays 2026-02-14 and 2026-10-10 get bank polls") {
  const auto spring = plan_for(accepted_order("MK2", "2026-02-13T11:00:00", {"BANK_TRANSFER"}));
  CHECK_FALSE(queries_between(spring, sh("2026-02-14T00:00:00"), sh("2026-02-14T17:15:00")).empty());
  CHECK(queries_between(spring, sh("2026-02-14T17:15:00"), sh("2026-02-24T00:10:00")).empty()); // 春节
  const auto october = plan_for(accepted_order("MK3", "2026-10-09T11:00:00", {"BANK_TRANSFER"}));
  CHECK_FALSE(queries_between(october, sh("2026-10-10T00:00:00"), sh("2026-10-10T17:15:00")).empty());
  CHECK(queries_between(october, sh("2026-10-10T17:15:00"), sh("2026-10-12T00:10:00")).empty());
}

TEST_CASE("across the year boundary a bank-only order waits from 31 December 17:15 to 4 January 00:10") {
  const auto plan = plan_for(accepted_order("YB1", "2025-12-31T10:00:00", {"BANK_TRANSFER"}));
  CHECK_FALSE(queries_between(plan, sh("2025-12-31T10:00:00"), sh("2025-12-31T17:15:00")).empty());
  CHECK(queries_between(plan, sh("2025-12-31T17:15:00"), sh("2026-01-04T00:10:00")).empty());
  CHECK(queries_between(plan, sh("2026-01-04T00:10:00"), sh("2026-01-04T00:11:01")).size() == 1);
}

TEST_CASE("a bank-capable order's close waits for the weekend's held transfers to land") {
  // Accepted Monday 10:00: 6 days later is Sunday, inside the weekend closure that ends Monday 00:00.
  const auto o = accepted_order("WK1", "2026-11-23T10:00:00");
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline >= sh("2026-11-30T00:10:00"));
  CHECK(deadline <= sh("2026-11-30T00:11:00"));
  CHECK(transfers_settled_at(shipped_calendar(), deadline, k_cfg.bank_settle_delay));
  const auto plan = plan_for(o);
  CHECK(plan.back().at == deadline);
  CHECK(plan.back().reason.starts_with("stale: close at age 6d14h1"));
  CHECK(plan.back().reason.ends_with(", waits for the interbank reopening at Mon 11-30 00:00 +10m settlement; "
                                      "link expires Mon 11-30 10:00"));
  // A QR-only order is closed at its nominal age whatever the interbank system does.
  const auto qr = accepted_order("WK2", "2026-11-23T10:00:00", {"QR_RECHARGE"});
  const TimePoint qr_deadline = stale_close_deadline(qr, shipped_calendar(), k_cfg);
  CHECK(qr_deadline <= sh("2026-11-29T10:00:00"));
  CHECK(qr_deadline >= sh("2026-11-29T10:00:00") - k_cfg.jitter_max);
  CHECK(plan_for(qr).back().reason == "stale: close at age 6d");
}

TEST_CASE("a close that would fall in a weekday evening closure waits for 20:30 plus settlement") {
  const auto o = accepted_order("EV1", "2026-11-17T18:00:00", {"BANK_TRANSFER"}); // 6 days on: Mon 18:00
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline >= sh("2026-11-23T20:40:00"));
  CHECK(deadline <= sh("2026-11-23T20:41:00"));
}

TEST_CASE("when the weekend closure outlasts the link the close keeps its nominal age") {
  // Accepted Sunday 10:00: 6 days on is Saturday 10:00, and Monday's reopening comes after the link expired.
  const auto o = accepted_order("WK3", "2026-11-22T10:00:00");
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline <= sh("2026-11-28T10:00:00"));
  CHECK(deadline >= sh("2026-11-28T10:00:00") - k_cfg.jitter_max);
  CHECK(plan_for(o).back().reason.ends_with("interbank closed until Mon 11-30 00:00, after the link expires "
                                             "Sun 11-29 10:00"));
}

TEST_CASE("on an ordinary weekday the close waits for the evening reopening before the link's last day") {
  // Accepted Tuesday 10:00: the nominal close is Monday 10:00, but transfers sent that afternoon after 17:15
  // land after Monday's 20:30 reopening, still 13 hours before the link expires.
  for (const std::vector<std::string>& channels : {std::vector<std::string>{}, {"BANK_TRANSFER"},
                                                   {"ONLINE_BANK", "BANK_TRANSFER"}}) {
    const auto o = accepted_order("TUE1", "2026-11-17T10:00:00", channels);
    const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
    CHECK(deadline >= sh("2026-11-23T20:40:00"));
    CHECK(deadline <= sh("2026-11-23T20:41:00"));
  }
  // QR and online banking land within minutes whatever the interbank system does: nominal age.
  const auto qr = accepted_order("TUE1", "2026-11-17T10:00:00", {"QR_RECHARGE", "ONLINE_BANK"});
  CHECK(stale_close_deadline(qr, shipped_calendar(), k_cfg) <= sh("2026-11-23T10:00:00"));
}

TEST_CASE("an order accepted during Spring Festival waits for the reopening that ends it") {
  // 2026-02-17 01:00, the third day off (15-23 Feb): the link expires 24 Feb 01:00, 50 minutes after the interbank
  // system reopens. A transfer sent during the holiday lands by 00:10: the close must come after that.
  const auto o = accepted_order("SF1", "2026-02-17T01:00:00", {"BANK_TRANSFER"});
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline >= sh("2026-02-24T00:10:00"));
  CHECK(deadline <= sh("2026-02-24T00:11:00"));
  CHECK(deadline + k_close_margin <= *o.applied_at + k_link_lifetime);
  const auto plan = plan_for(o);
  REQUIRE(plan.size() == 1); // a bank-only order is not polled while the system is closed
  CHECK(plan.back().action == PollAction::close);
  CHECK(plan.back().reason.starts_with("stale: close at age 6d23h1"));
  CHECK(plan.back().reason.ends_with(", waits for the interbank reopening at Tue 02-24 00:00 +10m settlement; link "
                                     "expires Tue 02-24 01:00"));
  // close_latest_age is the latest close an operator allows: 6d22h leaves no room to wait for the reopening.
  PollPolicyConfig early = k_cfg;
  early.close_latest_age = days{6} + hours{22};
  REQUIRE(validate(early).ok());
  CHECK(stale_close_deadline(o, shipped_calendar(), early) <= *o.applied_at + early.stale_close_age);
}

TEST_CASE("a reopening near the expiry is waited for down to the close's margin, and only then given up") {
  // Accepted 00:35: the link expires 24 Feb 00:35, 25 minutes after the reopening + settlement: wait for it.
  const auto late = accepted_order("SF2", "2026-02-17T00:35:00", {"BANK_TRANSFER"});
  const TimePoint late_close = stale_close_deadline(late, shipped_calendar(), k_cfg);
  CHECK(late_close >= sh("2026-02-24T00:10:00"));
  CHECK(late_close <= sh("2026-02-24T00:11:00"));
  CHECK(plan_for(late).back().reason.ends_with("waits for the interbank reopening at Tue 02-24 00:00 +10m settlement; "
                                                "link expires Tue 02-24 00:35"));
  // Accepted 00:12: the latest close is 24 Feb 00:07, seven minutes after the reopening: close then, which sees
  // every transfer that landed by then.
  const auto tight = accepted_order("SF3", "2026-02-17T00:12:00", {"BANK_TRANSFER"});
  CHECK(stale_close_deadline(tight, shipped_calendar(), k_cfg) == sh("2026-02-24T00:07:00"));
  CHECK(plan_for(tight).back().reason.ends_with("as far as the close's margin allows; link expires Tue 02-24 00:12"));
  // Accepted 00:03: the latest close is 23 Feb 23:58, before the reopening: the close keeps its nominal age.
  const auto early = accepted_order("SF4", "2026-02-17T00:03:00", {"BANK_TRANSFER"});
  const TimePoint deadline = stale_close_deadline(early, shipped_calendar(), k_cfg);
  CHECK(deadline <= sh("2026-02-23T00:03:00"));
  CHECK(plan_for(early).back().reason.ends_with("interbank closed until Tue 02-24 00:00 +10m settlement, too late: "
                                                 "the close keeps 5m before the link expires Tue 02-24 00:03"));
}

TEST_CASE("a payment sent back near the close moves the close past the payer's likely retry") {
  // Accepted 17 Feb 11:45 during Spring Festival: the close waits for the 24 Feb 00:00 reopening. The transfer
  // held by the holiday lands then with the wrong account name and goes back at 00:05; the payer sends again.
  auto o = accepted_order("RT1", "2026-02-17T11:45:00", {"BANK_TRANSFER"});
  o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
  REQUIRE(o.close_after < sh("2026-02-24T00:12:00"));
  const TimePoint moved = close_deadline_after_return(o, sh("2026-02-24T00:05:00"), shipped_calendar(), k_cfg);
  CHECK(moved == *o.applied_at + k_cfg.close_latest_age); // 12 h would pass the latest close: stop there
  CHECK(moved + k_close_margin <= *o.applied_at + k_link_lifetime);
  o.close_after = moved;
  CHECK(plan_for(o).back().reason.starts_with("stale: close at age 6d23h55m, after a returned payment the payer may "
                                             "send again"));
  // The close never moves earlier, and an old return does not move it.
  CHECK(close_deadline_after_return(o, sh("2026-02-24T10:00:00"), shipped_calendar(), k_cfg) == moved);
  auto fresh = accepted_order("RT2", "2026-02-17T11:45:00", {"BANK_TRANSFER"});
  fresh.close_after = stale_close_deadline(fresh, shipped_calendar(), k_cfg);
  CHECK(close_deadline_after_return(fresh, sh("2026-02-18T09:00:00"), shipped_calendar(), k_cfg) ==
        fresh.close_after);
  // close_return_wait = 0s turns it off.
  PollPolicyConfig off = k_cfg;
  off.close_return_wait = Millis{0};
  CHECK(close_deadline_after_return(fresh, sh("2026-02-24T00:05:00"), shipped_calendar(), off) == fresh.close_after);
}

TEST_CASE("after a return the close waits close_return_wait, up to the latest close") {
  // Online banking only, accepted Tue 24 Nov 10:00 (close at 6 d, Mon 30 Nov about 10:00); returned Mon 30 Nov
  // 08:00: the close moves to 20:00.
  auto online = accepted_order("RT3", "2026-11-24T10:00:00", {"ONLINE_BANK"});
  online.close_after = stale_close_deadline(online, shipped_calendar(), k_cfg);
  CHECK(close_deadline_after_return(online, sh("2026-11-30T08:00:00"), shipped_calendar(), k_cfg) ==
        sh("2026-11-30T20:00:00"));
  // Bank transfer: the close already waits for the Monday 20:30 reopening + settlement; a return at 08:00 ends its
  // 12 h before that (no move), one at 15:00 moves the close to Tuesday 03:00, within the latest close (09:55).
  auto bank = accepted_order("RT4", "2026-11-24T10:00:00", {"BANK_TRANSFER"});
  bank.close_after = stale_close_deadline(bank, shipped_calendar(), k_cfg);
  REQUIRE(bank.close_after >= sh("2026-11-30T20:40:00"));
  CHECK(close_deadline_after_return(bank, sh("2026-11-30T08:00:00"), shipped_calendar(), k_cfg) == bank.close_after);
  CHECK(close_deadline_after_return(bank, sh("2026-11-30T15:00:00"), shipped_calendar(), k_cfg) ==
        sh("2026-12-01T03:00:00"));
}

TEST_CASE("a make-up Saturday's reopening is waited for like any other") {
  // 2026-02-28 (Sat) is a working day after Spring Festival: Friday evening reopens at 20:30, and Saturday's own
  // window closes at 17:15 until Monday. Accepted Saturday 21 Feb 18:00 (a holiday), the link expires on the
  // make-up Saturday at 18:00: the last reopening before it is Friday 20:30.
  const auto o = accepted_order("MK4", "2026-02-21T18:00:00", {"BANK_TRANSFER"});
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline >= sh("2026-02-27T20:40:00"));
  CHECK(deadline <= sh("2026-02-27T20:41:00"));
}

TEST_CASE("an order whose link expires inside National Day is still closed before the expiry") {
  // Accepted 30 September 16:00: the window is closed from 17:15 until 8 October, past the link's 7 days.
  const auto o = accepted_order("ND1", "2026-09-30T16:00:00", {"BANK_TRANSFER"});
  const TimePoint deadline = stale_close_deadline(o, shipped_calendar(), k_cfg);
  CHECK(deadline <= *o.applied_at + k_cfg.stale_close_age);
  const auto plan = plan_for(o);
  CHECK(plan.back().at == deadline);
  CHECK(queries_between(plan, sh("2026-09-30T17:15:00"), deadline).empty());
}

TEST_CASE("the host time zone does not change any plan") {
  const auto plan_in = [](const char* tz) {
    if (tz) setenv("TZ", tz, 1);
    else unsetenv("TZ");
    tzset();
    return plan_for(accepted_order("TZ1", "2026-11-27T16:00:00"));
  };
  const auto shanghai = plan_in("Asia/Shanghai");
  const auto new_york = plan_in("America/New_York");
  const auto kolkata = plan_in("Asia/Kolkata");
  plan_in(nullptr);
  REQUIRE(shanghai.size() == new_york.size());
  REQUIRE(shanghai.size() == kolkata.size());
  for (std::size_t i = 0; i < shanghai.size(); ++i) {
    CHECK(shanghai[i].at == new_york[i].at);
    CHECK(shanghai[i].reason == new_york[i].reason);
    CHECK(shanghai[i].at == kolkata[i].at);
  }
}
