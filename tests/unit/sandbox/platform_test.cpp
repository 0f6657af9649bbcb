#include "sandbox/platform.hpp"

#include "sandbox/wire.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace recharged;
using namespace recharged::sandbox;
using recharged::sandbox_test::calendar;
using recharged::sandbox_test::sh;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> k_subs{"1900000101", "1900000102"};

PlatformConfig manual_config() {
  PlatformConfig c;
  c.sub_mchids = k_subs;
  c.payers = Payers::manual;
  return c;
}

ApplyRequest request(std::string no, Fen amount = 10'000, std::vector<RechargeChannel> channels = {}) {
  ApplyRequest r;
  r.sub_mchid = k_subs[0];
  r.out_recharge_no = std::move(no);
  r.recharge_scene = RechargeScene::ecommerce_deposit;
  r.account_type = AccountType::deposit;
  r.recharge_amount = Amount{amount, "CNY"};
  r.notify_url = "https://example.com/notify";
  r.available_recharge_channels = std::move(channels);
  r.remark = "押金";
  return r;
}

struct Book {
  ManualClock clock{sh("2026-11-23T10:00:00")};
  Platform platform{manual_config(), calendar(), clock};

  MchDeposit query(const std::string& no) {
    auto q = platform.query(k_subs[0], no);
    REQUIRE(q.ok());
    return *q;
  }
  void apply(const std::string& no, Fen amount = 10'000) { REQUIRE(platform.apply(request(no, amount)).ok()); }
  std::vector<EventKind> kinds() {
    std::vector<EventKind> out;
    for (const auto& e : platform.advance()) out.push_back(e.kind);
    return out;
  }
};

void check_error(const PlatformError& e, int status, const std::string& code, const std::string& message = "") {
  CHECK(e.status == status);
  CHECK(e.body.code == code);
  if (!message.empty()) CHECK(e.body.message == message);
}

} // namespace

TEST_CASE("an accepted apply creates a RECHARGING order carrying the platform's fields") {
  Book b;
  auto applied = b.platform.apply(request("RC1", 10'000, {RechargeChannel::bank_transfer, RechargeChannel::qr_recharge}));
  REQUIRE(applied.ok());
  CHECK(applied->out_recharge_no == "RC1");
  CHECK(applied->recharge_id.size() <= 27);
  CHECK(std::all_of(applied->recharge_id.begin(), applied->recharge_id.end(), ::isdigit));
  CHECK(applied->recharge_url.find(applied->recharge_id) != std::string::npos);
  const auto d = b.query("RC1");
  CHECK(d.sp_mchid == "1900000001");
  CHECK(d.sub_mchid == k_subs[0]);
  CHECK(d.recharge_id == applied->recharge_id);
  CHECK(d.recharge_state == RechargeState::recharging);
  CHECK(d.recharge_amount == Amount{10'000, "CNY"});
  CHECK(d.accept_time == sh("2026-11-23T10:00:00"));
  CHECK_FALSE(d.recharge_channel.has_value());
  CHECK_FALSE(d.success_time.has_value());
  CHECK_FALSE(d.close_time.has_value());
  CHECK(write_order(d).find("押金") == std::string::npos); // the remark appears only in notifications
  REQUIRE(d.available_recharge_channels.size() == 2);
  CHECK(d.available_recharge_channels[0] == RechargeChannel::bank_transfer);
  CHECK(b.platform.applies("RC1") == 1);
  CHECK(b.kinds() == std::vector<EventKind>{EventKind::applied});
}

TEST_CASE("re-applying an out_recharge_no is refused with 该业务充值单号已存在 and counted") {
  Book b;
  b.apply("RC1");
  const auto before = write_order(b.query("RC1"));
  auto again = b.platform.apply(request("RC1", 20'000));
  REQUIRE_FALSE(again.ok());
  check_error(again.error(), 400, "INVALID_REQUEST", "该业务充值单号已存在");
  CHECK(b.platform.applies("RC1") == 2);
  CHECK(b.platform.counters().duplicate_applies == 1);
  CHECK(b.platform.counters().orders == 1);
  CHECK(write_order(b.query("RC1")) == before);
}

TEST_CASE("apply refuses malformed fields with PARAM_ERROR naming the field as a JSON pointer") {
  Book b;
  struct Case {
    std::function<void(ApplyRequest&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases{
      {[](auto& r) { r.sub_mchid = "19x"; }, "/sub_mchid"},
      {[](auto& r) { r.out_recharge_no = "RC-1"; }, "/out_recharge_no"},
      {[](auto& r) { r.out_recharge_no = std::string(65, 'A'); }, "/out_recharge_no"},
      {[](auto& r) { r.account_type = AccountType::operation; }, "/account_type"}, // not what the scene pays into
      {[](auto& r) { r.recharge_scene = RechargeScene::ecommerce_payment; }, "/account_type"},
      {[](auto& r) { r.notify_url = "https://example.com/notify?order=1"; }, "/notify_url"},
      {[](auto& r) { r.notify_url = "https://" + std::string(1020, 'a'); }, "/notify_url"},
      {[](auto& r) { r.remark = "充值\xF0\x9F\x98\x80"; }, "/remark"}, // an emoji: 4 bytes
      {[](auto& r) { r.remark = "\xC3"; }, "/remark"},                    // not UTF-8
      {[](auto& r) { r.recharge_amount.currency = "USD"; }, "/recharge_amount/currency"},
      {[](auto& r) { r.recharge_amount.amount = 0; }, "/recharge_amount/amount"},
      {[](auto& r) { r.notify_url = "http://example.com/notify"; }, "/notify_url"},
      {[](auto& r) { r.remark = std::string(21, 'a'); }, "/remark"},
      {[](auto& r) {
         r.available_recharge_channels = {RechargeChannel::qr_recharge, RechargeChannel::qr_recharge};
       },
       "/available_recharge_channels/1"},
  };
  for (const auto& c : cases) {
    auto r = request("RC1");
    c.spoil(r);
    auto refused = b.platform.apply(r);
    REQUIRE_FALSE(refused.ok());
    check_error(refused.error(), 400, "PARAM_ERROR");
    CHECK(refused.error().body.detail_field == c.field);
  }
  CHECK(b.platform.counters().orders == 0);
  // At the limits everything is accepted: 20 characters of any plane-0 script, 1024-character URLs.
  auto edge = request("RC1");
  edge.remark = "一二三四五六七八九十一二三四五六七八九十";
  edge.notify_url = "https://" + std::string(1016, 'a');
  edge.recharge_scene = RechargeScene::ecommerce_payment;
  edge.account_type = AccountType::operation;
  CHECK(b.platform.apply(edge).ok());
}

TEST_CASE("apply refuses amounts over the caps with 单笔充值金额超过上限") {
  Book b;
  auto over = b.platform.apply(request("RC1", 2'000'000'001));
  REQUIRE_FALSE(over.ok());
  check_error(over.error(), 400, "INVALID_REQUEST", "单笔充值金额超过上限");
  auto qr_over = b.platform.apply(request("RC2", 5'000'001, {RechargeChannel::qr_recharge}));
  REQUIRE_FALSE(qr_over.ok());
  check_error(qr_over.error(), 400, "INVALID_REQUEST", "单笔充值金额超过上限");
  CHECK(b.platform.apply(request("RC3", 2'000'000'000)).ok());
  CHECK(b.platform.apply(request("RC4", 5'000'000, {RechargeChannel::qr_recharge})).ok());
  CHECK(b.platform.apply(request("RC5", 5'000'001, {RechargeChannel::qr_recharge, RechargeChannel::bank_transfer})).ok());
}

TEST_CASE("an unknown sub-merchant is refused with 入账账户不存在") {
  Book b;
  auto r = request("RC1");
  r.sub_mchid = "1900009999";
  auto refused = b.platform.apply(r);
  REQUIRE_FALSE(refused.ok());
  check_error(refused.error(), 400, "INVALID_REQUEST", "入账账户不存在");
}

TEST_CASE("query and close of an unknown order or through another sub-merchant answer 404 NOT_FOUND") {
  Book b;
  b.apply("RC1");
  for (auto outcome : {b.platform.query(k_subs[0], "RC2"), b.platform.query(k_subs[1], "RC1"),
                       b.platform.close(k_subs[0], "RC2"), b.platform.close(k_subs[1], "RC1")}) {
    REQUIRE_FALSE(outcome.ok());
    check_error(outcome.error(), 404, "NOT_FOUND", "充值单不存在");
  }
  CHECK(b.query("RC1").recharge_state == RechargeState::recharging);
}

TEST_CASE("query with a malformed out_recharge_no or sub_mchid answers PARAM_ERROR naming the parameter") {
  Book b;
  auto bad_no = b.platform.query(k_subs[0], "RC 1");
  REQUIRE_FALSE(bad_no.ok());
  check_error(bad_no.error(), 400, "PARAM_ERROR");
  CHECK(bad_no.error().body.detail_field == "out_recharge_no");
  auto bad_sub = b.platform.close("abc", "RC1");
  REQUIRE_FALSE(bad_sub.ok());
  CHECK(bad_sub.error().body.detail_field == "sub_mchid");
}

TEST_CASE("a merchant close sets CLOSED with its reason and closing again returns the same order") {
  Book b;
  b.apply("RC1");
  b.clock.advance(5min);
  auto closed = b.platform.close(k_subs[0], "RC1");
  REQUIRE(closed.ok());
  CHECK(closed->recharge_state == RechargeState::closed);
  CHECK(closed->recharge_state_desc == "平台商户主动关闭充值单");
  CHECK(closed->close_time == sh("2026-11-23T10:05:00"));
  CHECK(b.kinds() == std::vector<EventKind>{EventKind::applied, EventKind::closed});
  b.clock.advance(1h);
  auto again = b.platform.close(k_subs[0], "RC1");
  REQUIRE(again.ok());
  CHECK(write_order(*again) == write_order(*closed));
  CHECK(b.kinds().empty());
  CHECK(b.platform.truth("RC1")->closes == 2);
}

TEST_CASE("closing a SUCCESS order answers 200 with the order, still SUCCESS, as the close page documents") {
  Book b;
  b.apply("RC1");
  REQUIRE(b.platform.pay_now("RC1", {RechargeChannel::qr_recharge, Settlement::immediate, std::nullopt}).ok());
  (void)b.platform.advance();
  const std::string before = write_order(b.query("RC1"));
  auto answer = b.platform.close(k_subs[0], "RC1");
  REQUIRE(answer.ok());
  CHECK(answer->recharge_state == RechargeState::success);
  CHECK(write_order(*answer) == before);
  CHECK(b.kinds().empty()); // nothing happened: no RECHARGE.CLOSED
  CHECK(b.platform.truth("RC1")->closes == 1);
  CHECK(b.query("RC1").recharge_state == RechargeState::success);
}

TEST_CASE("an unpaid order closes itself exactly when the seven-day link expires") {
  Book b;
  b.apply("RC1");
  b.clock.advance(std::chrono::hours{24 * 7} - 1ms);
  CHECK(b.query("RC1").recharge_state == RechargeState::recharging);
  b.clock.advance(1ms);
  const auto d = b.query("RC1");
  CHECK(d.recharge_state == RechargeState::closed);
  CHECK(d.recharge_state_desc == "超过时间限制,系统自动关闭充值单");
  CHECK(d.close_time == sh("2026-11-30T10:00:00"));
  CHECK(b.kinds() == std::vector<EventKind>{EventKind::applied, EventKind::expired});
  auto closed = b.platform.close(k_subs[0], "RC1");
  REQUIRE(closed.ok());
  CHECK(closed->recharge_state_desc == "超过时间限制,系统自动关闭充值单");
}

TEST_CASE("a QR payment lands within three minutes and the order then carries its payer") {
  Book b;
  b.apply("RC1");
  auto paid = b.platform.pay_now("RC1", {RechargeChannel::qr_recharge, Settlement::realistic, std::nullopt});
  REQUIRE(paid.ok());
  CHECK(paid->deposit.recharge_state == RechargeState::recharging);
  const TimePoint lands = paid->plan.payments.back().lands_at;
  CHECK(lands > b.clock.now());
  CHECK(lands <= b.clock.now() + 3min);
  b.clock.set(lands - 1ms);
  CHECK(b.query("RC1").recharge_state == RechargeState::recharging);
  b.clock.set(lands);
  const auto d = b.query("RC1");
  CHECK(d.recharge_state == RechargeState::success);
  CHECK(d.recharge_state_desc == "充值成功");
  REQUIRE(d.recharge_channel.has_value());
  CHECK(*d.recharge_channel == RechargeChannel::qr_recharge);
  CHECK(d.success_time == lands);
  REQUIRE(d.qr_recharge_info.has_value());
  CHECK(d.qr_recharge_info->openid.value_or("").size() == 28);
  CHECK(d.qr_recharge_info->employee_type.has_value());
  CHECK_FALSE(d.bank_transfer_info.has_value());
  CHECK_FALSE(d.online_bank_recharge_info.has_value());
  CHECK(b.kinds() == std::vector<EventKind>{EventKind::applied, EventKind::paid, EventKind::succeeded});
}

TEST_CASE("a bank transfer sent after 17:15 on a Monday lands only after 20:30 and carries the transfer") {
  Book b;
  b.clock.set(sh("2026-11-23T17:20:00"));
  b.apply("RC1");
  REQUIRE(b.platform.pay_now("RC1", {RechargeChannel::bank_transfer, Settlement::realistic, std::nullopt}).ok());
  b.clock.set(sh("2026-11-23T20:30:00"));
  CHECK(b.query("RC1").recharge_state == RechargeState::recharging);
  b.clock.set(sh("2026-11-23T20:40:00"));
  const auto d = b.query("RC1");
  REQUIRE(d.recharge_state == RechargeState::success);
  CHECK(d.success_time >= sh("2026-11-23T20:30:03"));
  REQUIRE(d.bank_transfer_info.has_value());
  const auto& t = *d.bank_transfer_info;
  CHECK(t.bill_no.value_or("").size() == 30);
  CHECK(t.bank_name.has_value());
  CHECK(t.bank_card_tail.value_or("").size() == 4);
  CHECK(t.bank_account_name.has_value());
  CHECK(t.memo.has_value());
  CHECK_FALSE(t.return_reason.has_value());
  CHECK_FALSE(d.qr_recharge_info.has_value());
}

TEST_CASE("an online-bank payment carries online_bank_recharge_info") {
  Book b;
  b.apply("RC1");
  auto paid = b.platform.pay_now("RC1", {RechargeChannel::online_bank, Settlement::immediate, std::nullopt});
  REQUIRE(paid.ok());
  const auto& d = paid->deposit;
  REQUIRE(d.recharge_state == RechargeState::success);
  REQUIRE(d.online_bank_recharge_info.has_value());
  CHECK(d.online_bank_recharge_info->online_bank_type.has_value());
  CHECK(d.online_bank_recharge_info->bill_no.value_or("").size() == 21);
  CHECK(d.success_time == b.clock.now());
}

TEST_CASE("a returned transfer leaves the order RECHARGING, shows the return and emits a fund return") {
  Book b;
  b.apply("RC1");
  (void)b.platform.advance();
  auto paid = b.platform.pay_now(
      "RC1", {RechargeChannel::bank_transfer, Settlement::immediate, std::string(k_return_wrong_amount)});
  REQUIRE(paid.ok());
  const auto& d = paid->deposit;
  CHECK(d.recharge_state == RechargeState::recharging);
  REQUIRE(d.bank_transfer_info.has_value());
  CHECK(d.bank_transfer_info->return_reason == std::string(k_return_wrong_amount));
  CHECK(d.bank_transfer_info->return_time == b.clock.now());
  REQUIRE(paid->returns.size() == 1);
  const auto events = b.platform.advance();
  REQUIRE(events.size() == 2);
  CHECK(events[1].kind == EventKind::returned);
  REQUIRE(events[1].fund_returned.has_value());
  const auto& f = *events[1].fund_returned;
  CHECK(f.out_recharge_no == "RC1");
  CHECK(f.recharge_id == d.recharge_id);
  CHECK(f.recharge_channel == RechargeChannel::bank_transfer);
  CHECK(f.amount == Amount{10'000, "CNY"});
  CHECK(f.return_reason == std::string(k_return_wrong_amount));
  CHECK(f.recharge_returned_id.size() == 26);
  // The payer tries again by QR and succeeds; only the QR payer is reported then.
  auto second = b.platform.pay_now("RC1", {RechargeChannel::qr_recharge, Settlement::immediate, std::nullopt});
  REQUIRE(second.ok());
  CHECK(second->deposit.recharge_state == RechargeState::success);
  CHECK_FALSE(second->deposit.bank_transfer_info.has_value());
  CHECK(second->deposit.qr_recharge_info.has_value());
}

TEST_CASE("money that lands after the order was closed is sent back and the closed order does not change") {
  Book b;
  b.apply("RC1");
  REQUIRE(b.platform.pay_now("RC1", {RechargeChannel::bank_transfer, Settlement::realistic, std::nullopt}).ok());
  auto closed = b.platform.close(k_subs[0], "RC1");
  REQUIRE(closed.ok());
  const std::string before = write_order(*closed);
  (void)b.platform.advance();
  b.clock.advance(15min);
  CHECK(write_order(b.query("RC1")) == before);
  const auto events = b.platform.advance();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::returned);
  CHECK(events[0].fund_returned->return_reason == std::string(k_return_order_closed));
  CHECK(b.platform.counters().fund_returns == 1);
}

TEST_CASE("pay_now refuses orders that are not RECHARGING and unknown orders") {
  Book b;
  b.apply("RC1");
  REQUIRE(b.platform.close(k_subs[0], "RC1").ok());
  auto refused = b.platform.pay_now("RC1", {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().body.code == "INVALID_REQUEST");
  auto unknown = b.platform.pay_now("RC9", {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().status == 404);
}

TEST_CASE("a SUCCESS order never changes again, not even when its link expires") {
  Book b;
  b.apply("RC1");
  REQUIRE(b.platform.pay_now("RC1", {RechargeChannel::qr_recharge, Settlement::immediate, std::nullopt}).ok());
  const std::string before = write_order(b.query("RC1"));
  b.clock.advance(std::chrono::hours{24 * 8});
  CHECK(write_order(b.query("RC1")) == before);
  auto closed = b.platform.close(k_subs[0], "RC1");
  REQUIRE(closed.ok());
  CHECK(write_order(*closed) == before);
  CHECK(write_order(b.query("RC1")) == before);
}

TEST_CASE("next_due names the next payment, settlement or expiry") {
  Book b;
  CHECK_FALSE(b.platform.next_due().has_value());
  b.apply("RC1");
  CHECK(b.platform.next_due() == sh("2026-11-30T10:00:00"));
  auto paid = b.platform.pay_now("RC1", {RechargeChannel::qr_recharge, Settlement::realistic, std::nullopt});
  REQUIRE(paid.ok());
  CHECK(b.platform.next_due() == paid->plan.payments.back().lands_at);
}

namespace {

struct History {
  std::vector<std::string> events;
  PlatformCounters counters;
};

History simulate(std::uint64_t seed) {
  ManualClock clock(sh("2026-11-23T09:00:00"));
  PlatformConfig config;
  config.seed = seed;
  config.sub_mchids = k_subs;
  Platform platform(config, calendar(), clock);
  History h;
  for (int i = 0; i < 120; ++i) {
    auto r = request("SIM" + std::to_string(i));
    r.available_recharge_channels.clear();
    REQUIRE(platform.apply(r).ok());
    clock.advance(7min);
  }
  for (int step = 0; step < 8 * 24 * 4; ++step) {
    clock.advance(15min);
    for (const auto& e : platform.advance())
      h.events.push_back(std::string(to_string(e.kind)) + " " + e.deposit.out_recharge_no + " " + format_utc(e.at));
  }
  h.counters = platform.counters();
  return h;
}

} // namespace

TEST_CASE("simulated payers finish every order within the link lifetime and a seed replays the same history") {
  const History a = simulate(42);
  const History b = simulate(42);
  const History c = simulate(43);
  CHECK(a.events == b.events);
  CHECK(a.events != c.events);
  CHECK(a.counters.orders == 120);
  CHECK(a.counters.recharging == 0);
  CHECK(a.counters.success + a.counters.closed == 120);
  CHECK(a.counters.success > 60);
  CHECK(a.counters.closed > 5);
  std::vector<std::string> times;
  for (const auto& e : a.events) times.push_back(e.substr(e.rfind(' ') + 1));
  CHECK(std::is_sorted(times.begin(), times.end()));
}

TEST_CASE("bank transfers paid at the interbank window edges settle as the holiday calendar says") {
  struct Edge {
    const char* name;
    const char* paid;     // Shanghai time of the payment
    const char* reopens;  // when the interbank system is next open (the payment itself if open)
  };
  const std::vector<Edge> edges{
      {"Monday, ten minutes before the 17:15 cutoff", "2026-11-23T17:05:00", "2026-11-23T17:05:00"},
      {"Monday at the 17:15 cutoff", "2026-11-23T17:15:00", "2026-11-23T20:30:00"},
      {"Monday at the 20:30 reopening", "2026-11-23T20:30:00", "2026-11-23T20:30:00"},
      {"Friday night", "2026-11-27T21:00:00", "2026-11-30T00:00:00"},
      {"a public holiday", "2026-10-02T11:00:00", "2026-10-08T00:00:00"},
      {"a make-up Saturday morning", "2026-10-10T09:00:00", "2026-10-10T09:00:00"},
      {"a make-up Saturday evening before a Sunday", "2026-10-10T18:00:00", "2026-10-12T00:00:00"},
  };
  for (const auto& edge : edges) {
    const std::string name = edge.name;
    CAPTURE(name);
    ManualClock clock(sh(edge.paid));
    Platform platform(manual_config(), calendar(), clock);
    REQUIRE(platform.apply(request("EDGE1")).ok());
    auto paid = platform.pay_now("EDGE1", {RechargeChannel::bank_transfer, Settlement::realistic, std::nullopt});
    REQUIRE(paid.ok());
    const TimePoint lands = paid->plan.payments.back().lands_at;
    const TimePoint reopens = sh(edge.reopens);
    CHECK(lands > reopens);
    CHECK(lands <= reopens + 10min);
    clock.set(lands - 1ms);
    CHECK(platform.query(k_subs[0], "EDGE1")->recharge_state == RechargeState::recharging);
    clock.set(lands);
    const auto d = platform.query(k_subs[0], "EDGE1");
    REQUIRE(d.ok());
    CHECK(d->recharge_state == RechargeState::success);
    CHECK(d->success_time == lands);
  }
}
