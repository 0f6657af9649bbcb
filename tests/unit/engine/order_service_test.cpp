#include "engine/order_recorder.hpp"
#include "engine/order_request.hpp"
#include "engine/order_service.hpp"
#include "schedule/poll_policy_config.hpp"
#include "tests/unit/engine/engine_fixture.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <utility>

using namespace recharged;
using namespace std::chrono;
using orders::EventKind;
using orders::OrderState;
using test::EngineFixture;

namespace {

bool has_transition(const std::vector<orders::OrderEvent>& events, OrderState from, OrderState to) {
  for (const auto& e : events)
    if (e.kind == EventKind::state_changed && e.old_state == from && e.new_state == to) return true;
  return false;
}

std::size_t calls_to(const std::vector<orders::OrderEvent>& events, std::string_view endpoint) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.endpoint == endpoint ? 1 : 0;
  return n;
}

// Writes a NEW row exactly as `apply` does before its HTTP call, and nothing else: a crash right after it.
orders::Order new_row_only(EngineFixture& f, const wxpay::ApplyRequest& request) {
  orders::Order o = engine::order_from_request(request, f.clock.now());
  o.close_after = f.planner->close_deadline(o);
  o.next_poll_at = f.clock.now() + minutes{2};
  auto inserted = f.store->insert_new(o, f.clock.now());
  REQUIRE(inserted.ok());
  REQUIRE(inserted->created);
  return inserted->order;
}

} // namespace

TEST_CASE("apply records the order as NEW before the call and RECHARGING with its link after") {
  EngineFixture f;
  auto order = f.service->apply(f.sandbox.apply_request("RC1001"));
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::recharging);
  CHECK_FALSE(order->recharge_url.empty());
  CHECK_FALSE(order->recharge_id.empty());
  CHECK(order->next_poll_at.has_value());
  const auto events = f.events_of("RC1001");
  REQUIRE(events.size() >= 2);
  CHECK(events[0].kind == EventKind::created);
  CHECK(has_transition(events, OrderState::new_order, OrderState::recharging));
  CHECK(events[1].http_status == 200);
  CHECK_FALSE(events[1].request_id.empty());
  CHECK(events[1].evidence.find(order->recharge_id) != std::string::npos);
  CHECK(f.sandbox.platform().applies("RC1001") == 1);
}

TEST_CASE("re-running apply with the same number returns the same order and never applies twice") {
  EngineFixture f;
  auto first = f.service->apply(f.sandbox.apply_request("RC1002"));
  auto second = f.service->apply(f.sandbox.apply_request("RC1002"));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->recharge_id == first->recharge_id);
  CHECK(second->recharge_url == first->recharge_url);
  CHECK(f.sandbox.platform().applies("RC1002") == 1);
}

TEST_CASE("the same number with different parameters is refused and changes nothing") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC1003", 10'000)).ok());
  const auto before = f.events_of("RC1003").size();
  auto clash = f.service->apply(f.sandbox.apply_request("RC1003", 20'000));
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().kind == ErrorKind::invalid_input);
  CHECK(clash.error().message.find("RC1003") != std::string::npos);
  CHECK(f.events_of("RC1003").size() == before);
  CHECK(f.stored("RC1003").amount == 10'000);
}

TEST_CASE("invalid input is refused before anything is recorded or sent") {
  EngineFixture f;
  auto request = f.sandbox.apply_request("RC1004");
  request.remark = "这是一个超过二十个字符限制的充值备注内容真的很长";
  auto r = f.service->apply(request);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "remark");
  auto missing = f.store->find("RC1004");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  CHECK(f.sandbox.platform().counters().apply_calls == 0);
}

TEST_CASE("a crash right after the NEW row is recovered by a query, then exactly one apply") {
  EngineFixture f;
  const auto row = new_row_only(f, f.sandbox.apply_request("RC2001"));
  auto recovered = f.service->work(row);
  REQUIRE(recovered.ok());
  CHECK(recovered->state == OrderState::recharging);
  CHECK_FALSE(recovered->recharge_url.empty());
  const auto events = f.events_of("RC2001");
  CHECK(calls_to(events, "query") == 1);
  CHECK(calls_to(events, "apply") == 1);
  CHECK(f.sandbox.platform().applies("RC2001") == 1);
}

TEST_CASE("a crash after the platform accepted but before recording is recovered without a second apply") {
  EngineFixture f;
  const auto request = f.sandbox.apply_request("RC2002");
  const auto row = new_row_only(f, request);
  REQUIRE(f.client->api().apply(request).ok()); // the call went through; its answer was never recorded
  auto again = f.service->apply(request);        // the operator re-runs the same command
  REQUIRE(again.ok());
  CHECK(again->state == OrderState::recharging);
  CHECK(again->recharge_id == f.sandbox.platform().truth("RC2002")->deposit.recharge_id);
  CHECK(again->recharge_url.empty()); // the platform gives the link only to the first apply
  CHECK(f.sandbox.platform().applies("RC2002") == 1);
  CHECK(calls_to(f.events_of("RC2002"), "apply") == 0);
  (void)row;
}

TEST_CASE("an order the platform already has (该业务充值单号已存在) is queried, not applied again") {
  EngineFixture f;
  const auto request = f.sandbox.apply_request("RC2003");
  REQUIRE(f.client->api().apply(request).ok()); // e.g. applied by an earlier installation
  auto order = f.service->apply(request);
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::recharging);
  const auto counters = f.sandbox.platform().counters();
  CHECK(counters.orders == 1);
  CHECK(counters.duplicate_applies == 1);
  CHECK(calls_to(f.events_of("RC2003"), "query") == 1);
}

TEST_CASE("an ambiguous apply is resolved by query on the next visit, never by a second apply") {
  EngineFixture f;
  auto faults = f.sandbox.sandbox().faults().config();
  faults.timeout = 1.0;
  faults.timeout_hold = Millis{4'000}; // longer than the test client's 3 s timeout
  f.sandbox.sandbox().faults().set_config(faults);
  auto first = f.service->apply(f.sandbox.apply_request("RC2004"));
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().kind == ErrorKind::ambiguous);
  CHECK(f.stored("RC2004").state == OrderState::new_order);
  f.sandbox.sandbox().faults().set_config(sandbox::FaultConfig{});
  auto resolved = f.service->work(f.stored("RC2004"));
  REQUIRE(resolved.ok());
  CHECK(resolved->state == OrderState::recharging);
  CHECK(f.sandbox.platform().applies("RC2004") == 1);
}

TEST_CASE("a refused apply is REJECTED only after a query shows the platform does not hold the order") {
  EngineFixture f;
  auto request = f.sandbox.apply_request("RC3001");
  request.sub_mchid = "1999999999"; // not a sub-merchant of this platform: 入账账户不存在
  auto order = f.service->apply(request);
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::rejected);
  CHECK(order->last_error.find("INVALID_REQUEST") != std::string::npos);
  CHECK_FALSE(order->next_poll_at.has_value());
  CHECK_FALSE(order->apply_lease_until.has_value());
  const auto events = f.events_of("RC3001");
  REQUIRE(events.size() == 3); // created, the refused apply, the query that settles it
  CHECK(events[1].endpoint == "apply");
  CHECK(events[1].error_code == "INVALID_REQUEST");
  CHECK(events[1].http_status == 400);
  CHECK(events[2].endpoint == "query");
  CHECK(events[2].http_status == 404);
  CHECK(has_transition(events, OrderState::new_order, OrderState::rejected));
  CHECK(f.sandbox.platform().applies("RC3001") == 1);
}

TEST_CASE("sync records SUCCESS with the channel once a QR payment has landed") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC4001")).ok());
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  REQUIRE(f.sandbox.platform().pay_now("RC4001", pay).ok());
  f.advance(minutes{4});
  auto order = f.service->sync("RC4001", orders::EventSource::operator_action);
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::success);
  CHECK(order->recharge_channel == "QR_RECHARGE");
  CHECK(order->success_time.has_value());
  CHECK(order->final_at.has_value());
  CHECK_FALSE(order->next_poll_at.has_value());
  const auto events = f.events_of("RC4001");
  CHECK(has_transition(events, OrderState::recharging, OrderState::success));
  CHECK(events.back().evidence.find("\"SUCCESS\"") != std::string::npos);
}

TEST_CASE("an operator close is confirmed by query and a second close changes nothing") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC5001")).ok());
  auto closed = f.service->close("RC5001", orders::EventSource::operator_action);
  REQUIRE(closed.ok());
  CHECK(closed->state == OrderState::closed);
  const auto events = f.events_of("RC5001");
  CHECK(has_transition(events, OrderState::recharging, OrderState::closing));
  CHECK(has_transition(events, OrderState::closing, OrderState::closed));
  CHECK(calls_to(events, "close") == 1);
  CHECK(events.back().endpoint == "query"); // the confirming query comes last
  CHECK(f.sandbox.platform().truth("RC5001")->deposit.recharge_state_desc == std::optional<std::string>("平台商户主动关闭充值单"));
  auto again = f.service->close("RC5001", orders::EventSource::operator_action);
  REQUIRE(again.ok());
  CHECK(again->state == OrderState::closed);
  CHECK(f.events_of("RC5001").size() == events.size());
}

TEST_CASE("a stale order paid at the last moment is recorded SUCCESS and never closed") {
  EngineFixture f;
  auto applied = f.service->apply(f.sandbox.apply_request("RC5002"));
  REQUIRE(applied.ok());
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  pay.settlement = sandbox::Settlement::immediate;
  f.clock.set(applied->close_after - minutes{1});
  REQUIRE(f.sandbox.platform().pay_now("RC5002", pay).ok());
  f.advance(minutes{2}); // past close_after: the daemon's visit is the stale close
  auto order = f.service->work(f.stored("RC5002"));
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::success);
  CHECK(f.sandbox.platform().truth("RC5002")->closes == 0);
}

TEST_CASE("an order being closed that turns out paid is recorded SUCCESS") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC5003")).ok());
  // We decided to close (CLOSING is recorded first) but the payment landed before the close call.
  const auto order = f.stored("RC5003");
  auto closing = f.sink->commit({engine::record_decision(order, OrderState::closing, orders::EventSource::close,
                                                         "test: close decided", *f.planner, f.clock.now())});
  REQUIRE(closing.ok());
  sandbox::PayRequest pay;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(f.sandbox.platform().pay_now("RC5003", pay).ok());
  f.advance(seconds{10});
  auto visited = f.service->work(f.stored("RC5003"));
  REQUIRE(visited.ok());
  CHECK(visited->state == OrderState::success);
  CHECK(has_transition(f.events_of("RC5003"), OrderState::closing, OrderState::success));
}

TEST_CASE("a stale order is closed at its deadline: final query, close, confirming query") {
  EngineFixture f;
  auto applied = f.service->apply(f.sandbox.apply_request("RC5004"));
  REQUIRE(applied.ok());
  f.clock.set(applied->close_after + seconds{1});
  auto order = f.service->work(f.stored("RC5004"));
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::closed);
  const auto events = f.events_of("RC5004");
  std::vector<std::string> calls;
  for (const auto& e : events)
    if (!e.endpoint.empty() && e.source == orders::EventSource::close) calls.push_back(e.endpoint);
  CHECK(calls == std::vector<std::string>{"query", "close", "query"});
}

TEST_CASE("a stale close whose final query finds a payment sent back waits for the payer to send again") {
  EngineFixture f;
  auto request = f.sandbox.apply_request("RC5005");
  request.available_recharge_channels = {wxpay::RechargeChannel::bank_transfer};
  auto applied = f.service->apply(request);
  REQUIRE(applied.ok());
  // The payer's transfer names the wrong account: it lands and the bank sends it back just before our close.
  f.clock.set(applied->close_after - minutes{30});
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::bank_transfer;
  pay.settlement = sandbox::Settlement::immediate;
  pay.return_reason = "账户名称不符";
  REQUIRE(f.sandbox.platform().pay_now("RC5005", pay).ok());
  f.advance(minutes{31});
  auto deferred = f.service->work(f.stored("RC5005"));
  REQUIRE(deferred.ok());
  CHECK(deferred->state == OrderState::recharging);
  CHECK(f.sandbox.platform().truth("RC5005")->closes == 0);
  // 12 h after the return passes the latest close the policy allows: the close moves there.
  CHECK(deferred->close_after == *applied->applied_at + schedule::PollPolicyConfig{}.close_latest_age);
  REQUIRE(deferred->next_poll_at.has_value());
  CHECK(*deferred->next_poll_at <= deferred->close_after);
  // The payer sends the right transfer; the close's final query records it paid.
  pay.return_reason.reset();
  REQUIRE(f.sandbox.platform().pay_now("RC5005", pay).ok());
  f.clock.set(deferred->close_after);
  f.advance(seconds{1});
  auto paid = f.service->work(f.stored("RC5005"));
  REQUIRE(paid.ok());
  CHECK(paid->state == OrderState::success);
  CHECK(f.sandbox.platform().truth("RC5005")->closes == 0);
}

TEST_CASE("a returned payment seen by any query moves the stale close; an operator's close is never deferred") {
  EngineFixture f;
  auto applied = f.service->apply(f.sandbox.apply_request("RC5006"));
  REQUIRE(applied.ok());
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::online_bank;
  pay.settlement = sandbox::Settlement::immediate;
  pay.return_reason = "金额不符";
  f.clock.set(applied->close_after - hours{2});
  REQUIRE(f.sandbox.platform().pay_now("RC5006", pay).ok());
  f.advance(minutes{5});
  // An operator's sync sees the return: the stale close moves.
  REQUIRE(f.service->sync("RC5006", orders::EventSource::operator_action).ok());
  CHECK(f.stored("RC5006").close_after > applied->close_after);
  // The operator closes it anyway: closed now, whatever the payer might still do.
  auto closed = f.service->close("RC5006", orders::EventSource::operator_action);
  REQUIRE(closed.ok());
  CHECK(closed->state == OrderState::closed);
}

TEST_CASE("an order past the platform's 7-day expiry is confirmed CLOSED by query, never assumed") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC5005")).ok());
  f.advance(days{7} + hours{1}); // the daemon was down; the platform closed the link itself
  auto order = f.service->work(f.stored("RC5005"));
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::closed);
  CHECK(order->platform_state_desc == "超过时间限制,系统自动关闭充值单");
  CHECK(f.sandbox.platform().truth("RC5005")->closes == 0);
}

TEST_CASE("an answer that does not match our order quarantines it as SUSPECT") {
  EngineFixture f;
  auto at_platform = f.sandbox.apply_request("RC6001", 10'000);
  REQUIRE(f.client->api().apply(at_platform).ok());
  new_row_only(f, f.sandbox.apply_request("RC6001", 99'900)); // our record says another amount
  auto order = f.service->work(f.stored("RC6001"));
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::suspect);
  CHECK_FALSE(order->next_poll_at.has_value());
  const auto events = f.events_of("RC6001");
  CHECK(events.back().message.find("amount") != std::string::npos);
  auto close = f.service->close("RC6001", orders::EventSource::operator_action);
  REQUIRE_FALSE(close.ok());
  CHECK(close.error().code == "suspect");
}

TEST_CASE("a query that fails is recorded, backs off, and changes no state") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC7001")).ok());
  auto faults = f.sandbox.sandbox().faults().config();
  faults.server_error = 1.0;
  f.sandbox.sandbox().faults().set_config(faults);
  auto r = f.service->sync("RC7001", orders::EventSource::poll);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::retryable);
  const auto order = f.stored("RC7001");
  CHECK(order.state == OrderState::recharging);
  CHECK(order.failure_streak == 1);
  CHECK(order.next_poll_at > f.clock.now());
  CHECK(f.events_of("RC7001").back().error_code == "SYSTEM_ERROR");
}

TEST_CASE("a badly signed answer changes nothing") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC7002")).ok());
  sandbox::PayRequest pay;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(f.sandbox.platform().pay_now("RC7002", pay).ok());
  f.advance(seconds{5});
  for (const bool probe : {false, true}) {
    sandbox::FaultConfig faults;
    (probe ? faults.probe_signature : faults.bad_signature) = 1.0;
    f.sandbox.sandbox().faults().set_config(faults);
    auto r = f.service->sync("RC7002", orders::EventSource::poll);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "signature");
    CHECK(f.stored("RC7002").state == OrderState::recharging);
  }
  f.sandbox.sandbox().faults().set_config(sandbox::FaultConfig{});
  auto good = f.service->sync("RC7002", orders::EventSource::poll);
  REQUIRE(good.ok());
  CHECK(good->state == OrderState::success);
}

namespace {

// Commits the first `durable` calls, then fails every commit: a process that dies right after them.
class DyingSink final : public engine::UpdateSink {
public:
  DyingSink(storage::OrderStore& store, int durable) : store_(store), durable_(durable) {}
  Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override {
    if (durable_-- <= 0) return Error::make(ErrorKind::storage, "died", "the process died before recording this");
    return store_.commit(updates);
  }

private:
  storage::OrderStore& store_;
  int durable_;
};

} // namespace

TEST_CASE("a recovery apply cut off in flight keeps the order off limits until that apply has surely landed") {
  EngineFixture f;
  const auto row = new_row_only(f, f.sandbox.apply_request("RC7101"));
  f.advance(minutes{3});
  DyingSink dying(*f.store, 1); // the "not known: applying" note is durable, the apply's outcome never is
  engine::OrderService doomed(engine::ServiceContext{*f.store, dying, f.client->api(), f.gate, *f.planner, f.clock, nullptr});
  REQUIRE_FALSE(doomed.work(f.stored("RC7101")).ok());
  CHECK(f.sandbox.platform().applies("RC7101") == 1);
  const auto left = f.stored("RC7101");
  CHECK(left.state == OrderState::new_order);
  REQUIRE(left.next_poll_at.has_value());
  CHECK(*left.next_poll_at >= f.clock.now() + minutes{2}); // a restarted daemon does not query (and apply) sooner
  CHECK(left.next_poll_reason == "recover: apply in flight");
  f.advance(minutes{2});
  auto recovered = f.service->work(f.stored("RC7101"));
  REQUIRE(recovered.ok());
  CHECK(recovered->state == OrderState::recharging);
  CHECK(f.sandbox.platform().applies("RC7101") == 1);
  (void)row;
}

namespace {

// Before the first commit it is given, runs `meanwhile` (another writer — a notification, a second process —
// recording first), then commits as asked.
class RacedSink final : public engine::UpdateSink {
public:
  RacedSink(storage::OrderStore& store, std::function<void()> meanwhile)
      : store_(store), meanwhile_(std::move(meanwhile)) {}
  Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override {
    if (meanwhile_) std::exchange(meanwhile_, nullptr)();
    return store_.commit(updates);
  }

private:
  storage::OrderStore& store_;
  std::function<void()> meanwhile_;
};

orders::Order leased_by(EngineFixture& f, const wxpay::ApplyRequest& request, const std::string& owner, Millis lease) {
  orders::Order o = engine::order_from_request(request, f.clock.now());
  o.close_after = f.planner->close_deadline(o);
  o.next_poll_at = f.clock.now() + lease;
  o.apply_lease_until = f.clock.now() + lease;
  o.apply_lease_owner = owner;
  auto inserted = f.store->insert_new(o, f.clock.now());
  REQUIRE(inserted.ok());
  return inserted->order;
}

sandbox::PayRequest qr_now() {
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  pay.settlement = sandbox::Settlement::immediate;
  return pay;
}

std::set<std::string> request_ids(const std::vector<orders::OrderEvent>& events) {
  std::set<std::string> ids;
  for (const auto& e : events)
    if (!e.request_id.empty()) ids.insert(e.request_id);
  return ids;
}

} // namespace

TEST_CASE("while another process's apply can be in flight, nobody else applies the order: they query or wait") {
  EngineFixture f;
  const auto request = f.sandbox.apply_request("RC7201");
  leased_by(f, request, "recharged apply (pid 1)", minutes{5}); // its call has not reached the platform yet

  auto second = f.service->apply(request); // a second `recharged apply --out-recharge-no RC7201`
  REQUIRE(second.ok());
  CHECK(second->state == OrderState::new_order);
  CHECK(f.service->lease_held_by_other(*second, f.clock.now()));
  auto visit = f.service->work(f.stored("RC7201")); // the daemon's visit, e.g. a notification's confirmation
  REQUIRE(visit.ok());
  CHECK(visit->state == OrderState::new_order);
  CHECK(f.sandbox.platform().applies("RC7201") == 0);
  CHECK(calls_to(f.events_of("RC7201"), "apply") == 0);

  f.advance(minutes{5}); // the first process died with its call: its lease runs out
  auto recovered = f.service->work(f.stored("RC7201"));
  REQUIRE(recovered.ok());
  CHECK(recovered->state == OrderState::recharging);
  CHECK(f.sandbox.platform().applies("RC7201") == 1);
  CHECK_FALSE(recovered->apply_lease_until.has_value()); // released with the recorded outcome
}

TEST_CASE("a query answered after another writer moved the order is still recorded, judged against the new state") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RC7202")).ok());
  REQUIRE(f.sandbox.platform().pay_now("RC7202", qr_now()).ok());
  f.advance(minutes{3});
  // A notification's confirming query records SUCCESS between our query and our recording of it.
  RacedSink raced(*f.store, [&] { REQUIRE(f.service->sync("RC7202", orders::EventSource::notify).ok()); });
  engine::OrderService poller(engine::ServiceContext{*f.store, raced, f.client->api(), f.gate, *f.planner, f.clock, nullptr});
  auto polled = poller.sync("RC7202", orders::EventSource::poll);
  REQUIRE(polled.ok());
  CHECK(polled->state == OrderState::success);
  const auto events = f.events_of("RC7202");
  CHECK(calls_to(events, "query") >= 2);
  // Every call the platform answered has its row, with its Request-ID.
  std::set<std::string> answered;
  for (const auto& call : f.sandbox.sandbox().server().calls("RC7202")) answered.insert(call.request_id);
  CHECK(request_ids(events) == answered);
  std::size_t successes = 0;
  for (const auto& e : events) successes += e.new_state == OrderState::success ? 1 : 0;
  CHECK(successes == 1); // recorded once; the late answer confirms it
}

TEST_CASE("an apply answered after another writer recorded the order keeps the recharge_url only its answer has") {
  EngineFixture f;
  const auto request = f.sandbox.apply_request("RC7203");
  // While our apply is in flight, a query (say, after a notification) records the order as RECHARGING.
  RacedSink raced(*f.store, [&] {
    const auto order = f.stored("RC7203");
    REQUIRE(f.service->sync("RC7203", orders::EventSource::notify).ok());
    (void)order;
  });
  engine::OrderService applier(engine::ServiceContext{*f.store, raced, f.client->api(), f.gate, *f.planner, f.clock, nullptr});
  auto applied = applier.apply(request);
  REQUIRE(applied.ok());
  CHECK(applied->state == OrderState::recharging);
  CHECK_FALSE(applied->recharge_url.empty());
  CHECK(f.stored("RC7203").recharge_url == applied->recharge_url);
  CHECK(f.sandbox.platform().applies("RC7203") == 1);
  CHECK(calls_to(f.events_of("RC7203"), "apply") == 1);
}

TEST_CASE("the apply grace covers every host's whole timeout, in the clock's time") {
  CHECK(engine::apply_grace(1, seconds{15}) == minutes{2}); // never under two minutes
  CHECK(engine::apply_grace(2, minutes{5}) == minutes{10} + seconds{10});
  CHECK(engine::apply_grace(2, minutes{5}, 300) == (minutes{10} + seconds{10}) * 300);
  CHECK(engine::apply_grace(1, seconds{2}, 60) == seconds{12} * 60);
}
