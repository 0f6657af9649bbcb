#include "sandbox/payer_model.hpp"

#include "tests/unit/sandbox/sandbox_test_util.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace recharged;
using namespace recharged::sandbox;
using recharged::sandbox_test::calendar;
using recharged::sandbox_test::sh;
using sandbox::RechargeChannel;
using namespace std::chrono_literals;

namespace {

OrderFacts order(int i, TimePoint applied = sh("2026-11-23T10:00:00"), Fen amount = 10'000,
                 std::vector<RechargeChannel> channels = {}) {
  OrderFacts f;
  f.out_recharge_no = "RC" + std::to_string(i);
  f.sub_mchid = "1900000101";
  f.recharge_id = "100" + std::to_string(i);
  f.amount = amount;
  f.channels = std::move(channels);
  f.applied_at = applied;
  f.expires_at = applied + std::chrono::hours{24 * 7};
  return f;
}

bool same(const Payment& a, const Payment& b) {
  return a.channel == b.channel && a.paid_at == b.paid_at && a.lands_at == b.lands_at && a.amount == b.amount &&
         a.return_reason == b.return_reason && a.payer.bill_no == b.payer.bill_no && a.payer.openid == b.payer.openid &&
         a.payer.bank_card_tail == b.payer.bank_card_tail;
}

bool same(const PayerPlan& a, const PayerPlan& b) {
  if (a.payments.size() != b.payments.size()) return false;
  for (std::size_t i = 0; i < a.payments.size(); ++i)
    if (!same(a.payments[i], b.payments[i])) return false;
  return true;
}

} // namespace

TEST_CASE("the same seed gives every order the same payer and another seed gives different payers") {
  const PayerModel a(PayerMix{}, 7, calendar());
  const PayerModel b(PayerMix{}, 7, calendar());
  const PayerModel c(PayerMix{}, 8, calendar());
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    CHECK(same(a.plan(order(i)), b.plan(order(i))));
    if (!same(a.plan(order(i)), c.plan(order(i)))) ++differ;
  }
  CHECK(differ > 50);
}

TEST_CASE("a payer's decision depends on the order alone, not on which orders came before") {
  const PayerModel model(PayerMix{}, 3, calendar());
  const PayerPlan first = model.plan(order(42));
  for (int i = 0; i < 10; ++i) (void)model.plan(order(i));
  CHECK(same(first, model.plan(order(42))));
}

TEST_CASE("payers use only the channels an order allows and never QR above 50,000 yuan") {
  const PayerModel model(PayerMix{}, 11, calendar());
  for (int i = 0; i < 200; ++i) {
    for (const auto& p : model.plan(order(i, sh("2026-11-23T10:00:00"), 10'000, {RechargeChannel::bank_transfer})).payments)
      CHECK(p.channel == RechargeChannel::bank_transfer);
    for (const auto& p : model.plan(order(1000 + i, sh("2026-11-23T10:00:00"), 5'000'001)).payments)
      CHECK(p.channel != RechargeChannel::qr_recharge);
  }
}

TEST_CASE("QR and online-bank money lands within three minutes of payment") {
  const PayerModel model(PayerMix{}, 5, calendar());
  int seen = 0;
  for (int i = 0; i < 400; ++i) {
    for (const auto& p : model.plan(order(i)).payments) {
      if (p.channel == RechargeChannel::bank_transfer) continue;
      ++seen;
      CHECK(p.lands_at > p.paid_at);
      CHECK(p.lands_at - p.paid_at <= 3min);
    }
  }
  CHECK(seen > 100);
}

TEST_CASE("simulated bank transfers land only while the interbank system is open") {
  PayerMix mix;
  mix.bank_transfer_delay = std::chrono::hours{20}; // spread payments over evenings, nights and weekends
  const PayerModel model(mix, 9, calendar());
  int seen = 0;
  for (int i = 0; i < 300; ++i) {
    for (const auto& p : model.plan(order(i, sh("2026-11-23T10:00:00"), 10'000, {RechargeChannel::bank_transfer})).payments) {
      ++seen;
      CHECK(p.lands_at >= calendar().next_interbank_open(p.paid_at));
      CHECK(calendar().interbank_open(p.lands_at - 1ms));
      if (calendar().interbank_open(p.paid_at) && calendar().next_interbank_close(p.paid_at) - p.paid_at > 10min)
        CHECK(p.lands_at - p.paid_at <= 10min);
    }
  }
  CHECK(seen > 200);
}

TEST_CASE("a bank transfer made while the interbank system is closed lands only after it reopens") {
  const PayerModel model(PayerMix{}, 1, calendar());
  auto lands = [&](const char* paid) { return model.lands_at(RechargeChannel::bank_transfer, sh(paid), 5min); };
  SUBCASE("before the 17:15 cutoff on a Monday it lands at once") {
    CHECK(lands("2026-11-23T17:09:00") == sh("2026-11-23T17:14:00"));
  }
  SUBCASE("a transfer that straddles 17:15 finishes after 20:30") {
    CHECK(lands("2026-11-23T17:12:00") == sh("2026-11-23T20:32:00"));
  }
  SUBCASE("at 17:15 sharp it waits for 20:30") {
    CHECK(lands("2026-11-23T17:15:00") == sh("2026-11-23T20:35:00"));
    CHECK(lands("2026-11-23T20:29:59") == sh("2026-11-23T20:35:00"));
  }
  SUBCASE("from 20:30 it lands at once") {
    CHECK(lands("2026-11-23T20:30:00") == sh("2026-11-23T20:35:00"));
  }
  SUBCASE("on Friday evening it waits over the weekend until Monday") {
    CHECK(lands("2026-11-27T17:30:00") == sh("2026-11-30T00:05:00"));
    CHECK(lands("2026-11-28T11:00:00") == sh("2026-11-30T00:05:00"));
  }
  SUBCASE("during the National Day holiday it waits for the first working day") {
    CHECK(lands("2026-09-30T18:00:00") == sh("2026-10-08T00:05:00"));
    CHECK(lands("2026-10-03T09:00:00") == sh("2026-10-08T00:05:00"));
  }
  SUBCASE("on a make-up Saturday it lands the same day, but not after 17:15 before a Sunday") {
    CHECK(lands("2026-10-10T10:00:00") == sh("2026-10-10T10:05:00"));
    CHECK(lands("2026-10-10T17:20:00") == sh("2026-10-12T00:05:00"));
  }
  SUBCASE("QR money ignores the interbank windows") {
    CHECK(model.lands_at(RechargeChannel::qr_recharge, sh("2026-11-28T11:00:00"), 2min) == sh("2026-11-28T11:02:00"));
  }
}

TEST_CASE("nobody pays after the link has expired") {
  PayerMix mix;
  mix.never = 0;
  mix.qr_delay = std::chrono::hours{24 * 30};
  mix.bank_transfer_delay = mix.online_bank_delay = mix.qr_delay;
  mix.delay_spread = 0;
  const PayerModel model(mix, 2, calendar());
  for (int i = 0; i < 20; ++i) CHECK(model.plan(order(i)).payments.empty());
}

TEST_CASE("a returned transfer has a documented reason and its payer may pay again correctly") {
  PayerMix mix;
  mix.never = 0;
  mix.returned = 1;
  mix.repay_after_return = 1;
  const PayerModel model(mix, 4, calendar());
  int wrong_amount = 0;
  for (int i = 0; i < 40; ++i) {
    const auto plan = model.plan(order(i, sh("2026-11-23T10:00:00"), 10'000, {RechargeChannel::bank_transfer}));
    REQUIRE(plan.payments.size() == 2);
    const Payment& first = plan.payments[0];
    REQUIRE(first.return_reason.has_value());
    CHECK((*first.return_reason == k_return_wrong_amount || *first.return_reason == k_return_wrong_name));
    if (*first.return_reason == k_return_wrong_amount) {
      ++wrong_amount;
      CHECK(first.amount != 10'000);
    }
    CHECK_FALSE(plan.payments[1].return_reason.has_value());
    CHECK(plan.payments[1].amount == 10'000);
    CHECK(plan.payments[1].paid_at > first.lands_at);
  }
  CHECK(wrong_amount > 0);
  CHECK(wrong_amount < 40);
}

TEST_CASE("the default mix sends roughly its configured shares to each channel") {
  const PayerModel model(PayerMix{}, 21, calendar());
  std::map<std::string, int> counts;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    const auto plan = model.plan(order(i));
    counts[plan.payments.empty() ? "never" : std::string(sandbox::to_string(plan.payments.back().channel))]++;
  }
  // never 15 %; the rest split 45:35:20 (a few never-payers come from delays past the link TTL).
  CHECK(counts["never"] > n * 12 / 100);
  CHECK(counts["never"] < n * 20 / 100);
  CHECK(counts["QR_RECHARGE"] > n * 33 / 100);
  CHECK(counts["QR_RECHARGE"] < n * 43 / 100);
  CHECK(counts["BANK_TRANSFER"] > n * 25 / 100);
  CHECK(counts["BANK_TRANSFER"] < n * 34 / 100);
  CHECK(counts["ONLINE_BANK"] > n * 13 / 100);
  CHECK(counts["ONLINE_BANK"] < n * 21 / 100);
}

TEST_CASE("a payer mix is read from key=value pairs and printed back the same way") {
  auto mix = parse_payer_mix("never=0.1,qr=0.5,bank=0.3,online=0.2,returned=0.02,repay=0.9,qr_delay=2m,"
                             "bank_delay=1h,online_delay=5m,spread=0.5");
  REQUIRE(mix.ok());
  CHECK(mix->never == doctest::Approx(0.1));
  CHECK(mix->qr == doctest::Approx(0.5));
  CHECK(mix->bank_transfer == doctest::Approx(0.3));
  CHECK(mix->online_bank == doctest::Approx(0.2));
  CHECK(mix->returned == doctest::Approx(0.02));
  CHECK(mix->repay_after_return == doctest::Approx(0.9));
  CHECK(mix->qr_delay == 2min);
  CHECK(mix->bank_transfer_delay == 1h);
  CHECK(mix->online_bank_delay == 5min);
  CHECK(mix->delay_spread == doctest::Approx(0.5));
  auto again = parse_payer_mix(format_payer_mix(*mix));
  REQUIRE(again.ok());
  CHECK(format_payer_mix(*again) == format_payer_mix(*mix));
  CHECK(parse_payer_mix("").ok());
}

TEST_CASE("a payer mix with an unknown key or a bad value is refused with the key named") {
  auto unknown = parse_payer_mix("qr=0.5,cash=0.5");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("cash") != std::string::npos);
  auto share = parse_payer_mix("never=1.5");
  REQUIRE_FALSE(share.ok());
  CHECK(share.error().message.find("never=1.5") != std::string::npos);
  CHECK_FALSE(parse_payer_mix("qr_delay=soon").ok());
  CHECK_FALSE(parse_payer_mix("qr").ok());
  CHECK_FALSE(parse_payer_mix("bank=-1").ok());
}

TEST_CASE("bank payers who transfer later do so in office hours over the next days, and held ones wait for reopening") {
  PayerMix mix;
  mix.never = 0;
  mix.bank_later = 1;
  mix.bank_later_days = 5;
  const PayerModel model(mix, 13, calendar());
  const TimePoint applied = sh("2026-09-29T10:00:00"); // Tue; National Day starts on Thursday
  int on_rest_day = 0;
  int after_cutoff = 0;
  for (int i = 0; i < 300; ++i) {
    const auto plan = model.plan(order(i, applied, 10'000, {RechargeChannel::bank_transfer}));
    REQUIRE_FALSE(plan.payments.empty());
    const Payment& p = plan.payments.front();
    const Millis local = (p.paid_at + k_shanghai_offset).time_since_epoch() % std::chrono::days{1};
    CHECK(local >= 9h);
    CHECK(local < 18h);
    CHECK(p.paid_at > applied);
    CHECK(p.paid_at < schedule::shanghai_midnight(schedule::shanghai_date(applied)) + std::chrono::days{5});
    CHECK(p.lands_at >= calendar().next_interbank_open(p.paid_at));
    if (!calendar().is_working_day(schedule::shanghai_date(p.paid_at))) ++on_rest_day;
    if (local >= 17h + 15min) ++after_cutoff;
  }
  CHECK(on_rest_day > 100); // Oct 1-3 are three of the five days
  CHECK(after_cutoff > 0);
}

TEST_CASE("transferring later changes only the payers who do it, and its keys round-trip") {
  PayerMix later;
  later.bank_later = 0.5;
  const PayerModel plain(PayerMix{}, 17, calendar());
  const PayerModel mixed(later, 17, calendar());
  int same_plans = 0;
  for (int i = 0; i < 200; ++i) {
    const auto a = plain.plan(order(i));
    const auto b = mixed.plan(order(i));
    if (same(a, b)) ++same_plans;
    else CHECK((!b.payments.empty() && b.payments.front().channel == RechargeChannel::bank_transfer));
  }
  CHECK(same_plans > 140);
  CHECK(same_plans < 200);
  auto mix = parse_payer_mix("bank_later=0.25,bank_later_days=3");
  REQUIRE(mix.ok());
  CHECK(mix->bank_later == doctest::Approx(0.25));
  CHECK(mix->bank_later_days == 3);
  CHECK(format_payer_mix(*parse_payer_mix(format_payer_mix(*mix))) == format_payer_mix(*mix));
  auto days = parse_payer_mix("bank_later_days=9");
  REQUIRE_FALSE(days.ok());
  CHECK(days.error().message.find("bank_later_days=9") != std::string::npos);
}
