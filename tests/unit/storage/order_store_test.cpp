#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

STORE_CONTRACT("insert_new writes the NEW row and its created event before any API call") {
  StoreFixture f{Backend_::backend};
  auto order = sample_order("R2026112300001");
  order.next_poll_at = k_t0 + 10s;
  order.next_poll_reason = "recover if the apply call never returns";
  auto inserted = f.store.insert_new(order, k_t0);
  REQUIRE(inserted.ok());
  CHECK(inserted->created);
  const auto& stored = inserted->order;
  CHECK(stored.id > 0);
  CHECK(stored.state == OrderState::new_order);
  CHECK(stored.out_recharge_no == "R2026112300001");
  CHECK(stored.sub_mchid == "1900000109");
  CHECK(stored.recharge_scene == "ECOMMERCE_DEPOSIT");
  CHECK(stored.account_type == "DEPOSIT");
  CHECK(stored.amount == 100'000);
  CHECK(stored.currency == "CNY");
  CHECK(stored.notify_url == order.notify_url);
  CHECK(stored.channels == std::vector<std::string>{"BANK_TRANSFER", "QR_RECHARGE"});
  CHECK(stored.remark == "deposit");
  CHECK(stored.created_at == k_t0);
  CHECK(stored.updated_at == k_t0);
  CHECK(stored.close_after == order.close_after);
  CHECK(stored.next_poll_at == k_t0 + 10s);
  CHECK(stored.next_poll_reason == order.next_poll_reason);
  CHECK_FALSE(stored.applied_at.has_value());
  CHECK_FALSE(stored.final_at.has_value());
  CHECK(stored.poll_count == 0);

  const auto events = f.store.events(stored.id).value();
  REQUIRE(events.size() == 1);
  CHECK(events[0].order_id == stored.id);
  CHECK(events[0].kind == orders::EventKind::created);
  CHECK(events[0].source == orders::EventSource::apply);
  CHECK_FALSE(events[0].old_state.has_value());
  CHECK(events[0].new_state == OrderState::new_order);
  CHECK(events[0].at == k_t0);
  CHECK(f.store.find("R2026112300001").value()->id == stored.id);
}

STORE_CONTRACT("an order for all channels keeps an empty channel list") {
  StoreFixture f{Backend_::backend};
  auto order = sample_order("ALLCHANNELS");
  order.channels.clear();
  const auto stored = f.store.insert_new(order, k_t0).value().order;
  CHECK(stored.channels.empty());
  CHECK(f.scalar("SELECT channels FROM orders").empty());
}

STORE_CONTRACT("insert_new with an existing out_recharge_no returns the stored order and writes nothing") {
  StoreFixture f{Backend_::backend};
  const auto first = f.insert("DUP1");
  auto again = sample_order("DUP1");
  again.amount = 999;
  again.sub_mchid = "1900000999";
  auto second = f.store.insert_new(again, k_t0 + 1h);
  REQUIRE(second.ok());
  CHECK_FALSE(second->created);
  CHECK(second->order.id == first.id);
  CHECK(second->order.amount == 100'000);
  CHECK(second->order.sub_mchid == "1900000109");
  CHECK(second->order.created_at == k_t0);
  CHECK(f.event_count(first.id) == 1);
  CHECK(f.scalar("SELECT count(*) FROM orders") == "1");
}

STORE_CONTRACT("insert_new refuses an order that is not NEW") {
  StoreFixture f{Backend_::backend};
  auto order = sample_order("NOTNEW");
  order.state = OrderState::success;
  auto inserted = f.store.insert_new(order, k_t0);
  REQUIRE_FALSE(inserted.ok());
  CHECK(inserted.error().kind == ErrorKind::invalid_input);
  CHECK_FALSE(f.store.find("NOTNEW").value().has_value());
}

STORE_CONTRACT("a zero amount is refused by the database and nothing is recorded") {
  StoreFixture f{Backend_::backend};
  auto inserted = f.store.insert_new(sample_order("ZERO", "1900000109", 0), k_t0);
  REQUIRE_FALSE(inserted.ok());
  CHECK(inserted.error().kind == ErrorKind::storage);
  CHECK(inserted.error().code == "constraint");
  CHECK(f.scalar("SELECT count(*) FROM order_events") == "0");
}

STORE_CONTRACT("every transition the lifecycle allows is committed with its event") {
  int allowed = 0;
  for (const auto from : k_all_states) {
    for (const auto to : k_all_states) {
      if (!orders::transition_allowed(from, to)) continue;
      CAPTURE(orders::to_string(from));
      CAPTURE(orders::to_string(to));
      StoreFixture f{Backend_::backend};
      const auto order = f.insert("T1");
      f.reach(order.id, from);
      const auto before = f.event_count(order.id);
      const auto at = k_t0 + 2h;
      auto held = f.store.commit_one(transition(order.id, from, to, at));
      REQUIRE(held.ok());
      CHECK(*held);
      const auto after = f.reload(order.id);
      CHECK(after.state == to);
      CHECK(after.updated_at == at);
      CHECK(after.final_at.has_value() == orders::is_terminal(to));
      const auto events = f.store.events(order.id).value();
      REQUIRE(events.size() == before + 1);
      CHECK(events.back().old_state == from);
      CHECK(events.back().new_state == to);
      ++allowed;
    }
  }
  CHECK(allowed == 10);
}

STORE_CONTRACT("every transition the lifecycle forbids is refused by the store and writes nothing") {
  int refused = 0;
  for (const auto from : k_all_states) {
    StoreFixture f{Backend_::backend};
    const auto order = f.insert("F1");
    f.reach(order.id, from);
    const auto before = f.reload(order.id);
    const auto events_before = f.event_count(order.id);
    for (const auto to : k_all_states) {
      if (orders::transition_allowed(from, to)) continue;
      CAPTURE(orders::to_string(from));
      CAPTURE(orders::to_string(to));
      auto result = f.store.commit_one(transition(order.id, from, to, k_t0 + 3h));
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().kind == ErrorKind::internal);
      CHECK(result.error().code == "forbidden_transition");
      CHECK(result.error().message.find(std::string(orders::to_string(from)) + " to " +
                                        std::string(orders::to_string(to))) != std::string::npos);
      const auto after = f.reload(order.id);
      CHECK(after.state == from);
      CHECK(after.updated_at == before.updated_at);
      CHECK(f.event_count(order.id) == events_before);
      ++refused;
    }
  }
  CHECK(refused == 39);
}

STORE_CONTRACT("a terminal order never moves, whatever state the caller believes it is in") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("TERM1");
  f.reach(order.id, OrderState::success);
  // The caller's stale view (RECHARGING → CLOSED) is a valid transition, but the guard does not hold.
  auto stale = f.store.commit_one(transition(order.id, OrderState::recharging, OrderState::closed, k_t0 + 1h));
  REQUIRE(stale.ok());
  CHECK_FALSE(*stale);
  // The caller that knows it is SUCCESS may not move it anywhere.
  auto forbidden = f.store.commit_one(transition(order.id, OrderState::success, OrderState::closed, k_t0 + 1h));
  REQUIRE_FALSE(forbidden.ok());
  CHECK(forbidden.error().message.find("never change state") != std::string::npos);
  CHECK(f.reload(order.id).state == OrderState::success);
}

STORE_CONTRACT("a compare-and-set guard that does not hold writes nothing, not even the events") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("CAS1");
  auto update = transition(order.id, OrderState::recharging, OrderState::success, k_t0 + 1h);
  update.recharge_channel = "QR_RECHARGE";
  update.poll_count_delta = 1;
  update.fund_return = FundReturnRecord{"RET1", "BANK_TRANSFER", 100, "CNY", {}, "", "", "", "", k_t0};
  auto held = f.store.commit_one(update);
  REQUIRE(held.ok());
  CHECK_FALSE(*held);
  const auto after = f.reload(order.id);
  CHECK(after.state == OrderState::new_order);
  CHECK(after.recharge_channel.empty());
  CHECK(after.poll_count == 0);
  CHECK(after.updated_at == k_t0);
  CHECK(f.event_count(order.id) == 1);
  CHECK(f.store.fund_returns(order.id).value().empty());
  CHECK_FALSE(f.store.commit_one(transition(order.id + 100, OrderState::new_order, OrderState::recharging, k_t0))
                  .value()); // no such order
}

STORE_CONTRACT("a state change without its compare-and-set guard is refused") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("NOGUARD");
  OrderUpdate u;
  u.order_id = order.id;
  u.new_state = OrderState::recharging;
  u.updated_at = k_t0 + 1s;
  auto result = f.store.commit_one(u);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "missing_guard");
  CHECK(f.reload(order.id).state == OrderState::new_order);
}

STORE_CONTRACT("an update without a state change applies with or without a guard") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("NOSTATE");
  OrderUpdate u;
  u.order_id = order.id;
  u.updated_at = k_t0 + 5s;
  u.last_error = "connection refused";
  u.failure_streak = 1;
  CHECK(f.store.commit_one(u).value());
  u.expect_state = OrderState::recharging; // a racing writer's view: does not hold
  u.last_error = "should not be written";
  CHECK_FALSE(f.store.commit_one(u).value());
  const auto after = f.reload(order.id);
  CHECK(after.last_error == "connection refused");
  CHECK(after.failure_streak == 1);
  CHECK(after.state == OrderState::new_order);
}

STORE_CONTRACT("only the fields an update sets are written") {
  StoreFixture f{Backend_::backend};
  auto order = sample_order("FIELDS");
  order.next_poll_at = k_t0 + 1min;
  const auto id = f.store.insert_new(order, k_t0).value().order.id;

  OrderUpdate applied = transition(id, OrderState::new_order, OrderState::recharging, k_t0 + 2s);
  applied.recharge_id = "1200002026112300001";
  applied.recharge_url = "https://pay.weixin.qq.com/recharge?id=1";
  applied.applied_at = k_t0 + 2s;
  applied.set_next_poll = true;
  applied.next_poll_at = k_t0 + 30s;
  applied.next_poll_reason = "payer likely on the page";
  REQUIRE(f.store.commit_one(applied).value());

  OrderUpdate poll;
  poll.order_id = id;
  poll.expect_state = OrderState::recharging;
  poll.updated_at = k_t0 + 31s;
  poll.last_poll_at = k_t0 + 31s;
  poll.poll_count_delta = 1;
  poll.platform_state = "RECHARGING";
  poll.platform_state_desc = "";
  poll.accept_time = k_t0 + 1s;
  REQUIRE(f.store.commit_one(poll).value());
  REQUIRE(f.store.commit_one(poll).value()); // poll_count adds up

  auto o = f.reload(id);
  CHECK(o.state == OrderState::recharging);
  CHECK(o.recharge_id == "1200002026112300001");
  CHECK(o.recharge_url == "https://pay.weixin.qq.com/recharge?id=1");
  CHECK(o.applied_at == k_t0 + 2s);
  CHECK(o.accept_time == k_t0 + 1s);
  CHECK(o.next_poll_at == k_t0 + 30s); // set_next_poll was false in the polls: kept
  CHECK(o.next_poll_reason == "payer likely on the page");
  CHECK(o.last_poll_at == k_t0 + 31s);
  CHECK(o.poll_count == 2);
  CHECK(o.platform_state == "RECHARGING");
  CHECK(o.close_after == order.close_after);
  CHECK_FALSE(o.success_time.has_value());

  OrderUpdate unschedule;
  unschedule.order_id = id;
  unschedule.updated_at = k_t0 + 40s;
  unschedule.set_next_poll = true; // next_poll_at stays nullopt: NULL
  unschedule.close_after = k_t0 + std::chrono::days{1};
  REQUIRE(f.store.commit_one(unschedule).value());
  o = f.reload(id);
  CHECK_FALSE(o.next_poll_at.has_value());
  CHECK(o.close_after == k_t0 + std::chrono::days{1});
  CHECK(o.recharge_id == "1200002026112300001");
}

STORE_CONTRACT("reaching a terminal or SUSPECT state sets the bookkeeping and drops the next poll") {
  for (const auto final_state : {OrderState::success, OrderState::closed, OrderState::suspect}) {
    CAPTURE(orders::to_string(final_state));
    StoreFixture f{Backend_::backend};
    const auto id = f.insert("FINAL").id;
    f.reach(id, OrderState::recharging);
    auto u = transition(id, OrderState::recharging, final_state, k_t0 + 1h);
    u.set_next_poll = true;
    u.next_poll_at = k_t0 + 2h; // a careless caller: the store still drops it
    if (final_state == OrderState::success) {
      u.success_time = k_t0 + 59min;
      u.recharge_channel = "BANK_TRANSFER";
    }
    REQUIRE(f.store.commit_one(u).value());
    const auto o = f.reload(id);
    CHECK(o.state == final_state);
    CHECK_FALSE(o.next_poll_at.has_value());
    CHECK(o.final_at.has_value() == orders::is_terminal(final_state));
    if (o.final_at) CHECK(*o.final_at == k_t0 + 1h);
    if (final_state == OrderState::success) {
      CHECK(o.success_time == k_t0 + 59min);
      CHECK(o.recharge_channel == "BANK_TRANSFER");
    }
  }
}

STORE_CONTRACT("a batch commits every update whose guard holds and reports the others") {
  StoreFixture f{Backend_::backend};
  const auto a = f.insert("BATCHA").id;
  const auto b = f.insert("BATCHB").id;
  const auto c = f.insert("BATCHC").id;
  f.reach(b, OrderState::recharging);
  const std::vector<OrderUpdate> batch{
      transition(a, OrderState::new_order, OrderState::recharging, k_t0 + 1h),
      transition(b, OrderState::new_order, OrderState::recharging, k_t0 + 1h), // stale: b is RECHARGING
      transition(c, OrderState::new_order, OrderState::rejected, k_t0 + 1h),
  };
  const auto held = f.store.commit(batch);
  REQUIRE(held.ok());
  CHECK(held_flags(*held) == std::vector<bool>{true, false, true});
  CHECK((*held)[0]->state == OrderState::recharging); // each update answers with the row as stored
  CHECK((*held)[2]->final_at == k_t0 + 1h);
  CHECK(f.reload(a).state == OrderState::recharging);
  CHECK(f.reload(b).state == OrderState::recharging);
  CHECK(f.reload(c).state == OrderState::rejected);
  CHECK(f.event_count(a) == 2);
  CHECK(f.event_count(b) == 2); // created + its own earlier move; nothing from the stale update
  CHECK(f.event_count(c) == 2);
  CHECK(f.store.commit({}).value().empty());
}

STORE_CONTRACT("a path through several states is one batch of consecutive updates") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("PATH").id;
  const std::vector<OrderUpdate> path{
      transition(id, OrderState::new_order, OrderState::recharging, k_t0 + 1h),
      transition(id, OrderState::recharging, OrderState::success, k_t0 + 1h),
  };
  CHECK(held_flags(f.store.commit(path).value()) == std::vector<bool>{true, true});
  CHECK(f.reload(id).state == OrderState::success);
  const auto events = f.store.events(id).value();
  REQUIRE(events.size() == 3);
  CHECK(events[1].new_state == OrderState::recharging);
  CHECK(events[2].new_state == OrderState::success);
}

STORE_CONTRACT("a failure in the middle of a batch rolls back every update of the batch") {
  StoreFixture f{Backend_::backend};
  const auto a = f.insert("ROLLA").id;
  const auto b = f.insert("ROLLB").id;
  auto broken = transition(b, OrderState::new_order, OrderState::recharging, k_t0 + 1h);
  broken.fund_return = FundReturnRecord{}; // an empty recharge_returned_id violates a CHECK constraint
  const std::vector<OrderUpdate> batch{transition(a, OrderState::new_order, OrderState::recharging, k_t0 + 1h),
                                       broken};
  const auto result = f.store.commit(batch);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == ErrorKind::storage);
  CHECK(result.error().code == "constraint");
  CHECK(result.error().message.find("commit 2 order update(s)") != std::string::npos);
  CHECK(f.reload(a).state == OrderState::new_order);
  CHECK(f.reload(b).state == OrderState::new_order);
  CHECK(f.event_count(a) == 1);
  CHECK(f.event_count(b) == 1);

  // A trigger added by hand (as a buggy writer or an operator could) aborts the batch just the same.
  if (f.backend == Backend::sqlite)
    REQUIRE(f.exec("CREATE TRIGGER test_refuse BEFORE INSERT ON order_events WHEN NEW.message = 'boom' "
                   "BEGIN SELECT RAISE(ABORT, 'boom'); END"));
  else
    REQUIRE((f.exec("CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "RAISE EXCEPTION 'boom'; END $$") &&
             f.exec("CREATE TRIGGER test_refuse BEFORE INSERT ON order_events FOR EACH ROW "
                    "WHEN (NEW.message = 'boom') EXECUTE FUNCTION test_refuse()")));
  auto boom = transition(b, OrderState::new_order, OrderState::recharging, k_t0 + 2h);
  boom.events.back().message = "boom";
  const std::vector<OrderUpdate> second{transition(a, OrderState::new_order, OrderState::recharging, k_t0 + 2h),
                                        boom};
  REQUIRE_FALSE(f.store.commit(second).ok());
  CHECK(f.reload(a).state == OrderState::new_order);
  CHECK(f.event_count(a) == 1);
  // The store is still usable afterwards (its cached statements were reset).
  CHECK(held_flags(f.store.commit(std::vector<OrderUpdate>{second[0]}).value()) == std::vector<bool>{true});
}

STORE_CONTRACT("a batch with one forbidden transition is refused before anything is written") {
  StoreFixture f{Backend_::backend};
  const auto a = f.insert("PREA").id;
  const std::vector<OrderUpdate> batch{transition(a, OrderState::new_order, OrderState::recharging, k_t0),
                                       transition(a, OrderState::recharging, OrderState::new_order, k_t0)};
  REQUIRE_FALSE(f.store.commit(batch).ok());
  CHECK(f.reload(a).state == OrderState::new_order);
}

STORE_CONTRACT("fund returns are recorded once per recharge_returned_id") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("FUND1").id;
  f.reach(id, OrderState::success);
  FundReturnRecord ret{"10171652448612345612345678", "BANK_TRANSFER", 100'000, "CNY", k_t0 + 3h,
                       "充值金额与充值单要求不一致", "招商银行", "1234", "某某公司", k_t0 + 4h};
  OrderUpdate u;
  u.order_id = id;
  u.expect_state = OrderState::success;
  u.updated_at = k_t0 + 4h;
  orders::OrderEvent e;
  e.at = k_t0 + 4h;
  e.source = orders::EventSource::notify;
  e.kind = orders::EventKind::fund_returned;
  e.message = "the bank sent 1000.00 CNY back to the payer";
  u.events.push_back(e);
  u.fund_return = ret;
  CHECK(f.store.commit_one(u).value());
  u.fund_return->return_reason = "a repeat with other text is ignored";
  CHECK(f.store.commit_one(u).value()); // the update applies; the fund return is not doubled

  const auto returns = f.store.fund_returns(id).value();
  REQUIRE(returns.size() == 1);
  CHECK(returns[0].recharge_returned_id == ret.recharge_returned_id);
  CHECK(returns[0].recharge_channel == "BANK_TRANSFER");
  CHECK(returns[0].amount == 100'000);
  CHECK(returns[0].currency == "CNY");
  CHECK(returns[0].return_time == k_t0 + 3h);
  CHECK(returns[0].return_reason == ret.return_reason);
  CHECK(returns[0].bank_name == "招商银行");
  CHECK(returns[0].bank_card_tail == "1234");
  CHECK(returns[0].bank_account_name == "某某公司");
  CHECK(returns[0].received_at == k_t0 + 4h);
  CHECK(f.reload(id).state == OrderState::success);

  FundReturnRecord sparse;
  sparse.recharge_returned_id = "SPARSE1";
  sparse.received_at = k_t0 + 5h;
  u.fund_return = sparse;
  CHECK(f.store.commit_one(u).value());
  const auto both = f.store.fund_returns(id).value();
  REQUIRE(both.size() == 2);
  CHECK_FALSE(both[1].amount.has_value());
  CHECK_FALSE(both[1].return_time.has_value());
}

namespace {

NotificationRecord notification(const std::string& id, const std::string& out_recharge_no) {
  NotificationRecord n;
  n.id = id;
  n.event_type = "RECHARGE.SUCCESS";
  n.out_recharge_no = out_recharge_no;
  n.received_at = k_t0 + 1h;
  n.create_time = k_t0 + 59min;
  n.summary = "充值成功";
  n.resource = R"({"out_recharge_no":")" + out_recharge_no + R"(","recharge_state":"SUCCESS"})";
  n.outcome = orders::NotificationOutcome::applied;
  return n;
}

} // namespace

STORE_CONTRACT("a notification and the update it causes are recorded in one transaction, and only once") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("NOTE1").id;
  f.reach(id, OrderState::recharging);
  auto update = transition(id, OrderState::recharging, OrderState::success, k_t0 + 1h);
  update.events.back().source = orders::EventSource::notify;
  const auto first = f.store.record_notification(notification("EV-1", "NOTE1"), update);
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(first->applied);
  CHECK(f.reload(id).state == OrderState::success);
  const auto events = f.event_count(id);

  const auto repeat = f.store.record_notification(notification("EV-1", "NOTE1"), update);
  REQUIRE(repeat.ok());
  CHECK(repeat->duplicate);
  CHECK_FALSE(repeat->applied);
  CHECK(f.event_count(id) == events);

  const auto stored = f.store.notifications("NOTE1").value();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].id == "EV-1");
  CHECK(stored[0].event_type == "RECHARGE.SUCCESS");
  CHECK(stored[0].received_at == k_t0 + 1h);
  CHECK(stored[0].create_time == k_t0 + 59min);
  CHECK(stored[0].summary == "充值成功");
  CHECK(stored[0].resource == notification("EV-1", "NOTE1").resource);
  CHECK(stored[0].outcome == orders::NotificationOutcome::applied);
  CHECK(f.scalar("SELECT order_id FROM notifications WHERE id = 'EV-1'") == std::to_string(id));
}

STORE_CONTRACT("a notification decided against another state of its order writes nothing and fails") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("NOTE2").id;
  auto n = notification("EV-2", "NOTE2");
  const auto result =
      f.store.record_notification(n, transition(id, OrderState::recharging, OrderState::success, k_t0 + 1h));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "stale_decision");
  CHECK(f.reload(id).state == OrderState::new_order);
  // Not recorded, so the platform's retry is judged afresh rather than taken for a duplicate.
  CHECK(f.store.notifications("NOTE2").value().empty());
}

STORE_CONTRACT("a notification is judged against its order as stored, inside the recording transaction") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("NOTE6").id;
  f.reach(id, OrderState::recharging);
  int calls = 0;
  bool other_writer_locked_out = false;
  const auto judge = [&](const std::optional<orders::Order>& order) -> Result<NotificationDecision> {
    ++calls;
    REQUIRE(order.has_value());
    CHECK(order->id == id);
    CHECK(order->state == OrderState::recharging);
    // Nothing else can move the order between this reading and the write: the transaction holds the write lock
    // (SQLite) or the order's row lock (PostgreSQL).
    const std::string touch = "UPDATE orders SET updated_at = updated_at WHERE id = " + std::to_string(id);
    if (f.backend == Backend::sqlite) {
      SQLite::Database other(f.path, SQLite::OPEN_READWRITE, 0);
      try {
        other.exec(touch);
      } catch (const SQLite::Exception& e) {
        other_writer_locked_out = e.getErrorCode() == SQLITE_BUSY;
      }
    } else {
      REQUIRE(f.exec("SET lock_timeout = '50ms'"));
      const auto refused = f.exec(touch);
      other_writer_locked_out = !refused && refused.error().code == "busy";
    }
    auto u = transition(id, OrderState::recharging, OrderState::success, k_t0 + 1h);
    u.events.back().source = orders::EventSource::notify;
    return NotificationDecision{orders::NotificationOutcome::applied, std::move(u)};
  };
  const auto first = f.store.record_notification(notification("EV-6", "NOTE6"), judge);
  REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  CHECK(calls == 1);
  CHECK(other_writer_locked_out);
  CHECK_FALSE(first->duplicate);
  CHECK(first->applied);
  CHECK(first->outcome == orders::NotificationOutcome::applied);
  CHECK(f.reload(id).state == OrderState::success);
  REQUIRE(f.store.notifications("NOTE6").value().size() == 1);
  CHECK(f.store.notifications("NOTE6").value()[0].outcome == orders::NotificationOutcome::applied);

  // The same id again is a duplicate: the judge is not asked and nothing is written.
  const auto repeat = f.store.record_notification(notification("EV-6", "NOTE6"), judge);
  REQUIRE(repeat.ok());
  CHECK(repeat->duplicate);
  CHECK(calls == 1);
  CHECK(f.store.notifications("NOTE6").value().size() == 1);
}

STORE_CONTRACT("a notification's judge sees no order for an unknown number, and its error records nothing") {
  StoreFixture f{Backend_::backend};
  bool saw_none = false;
  const auto unknown = f.store.record_notification(
      notification("EV-7", "NOSUCH7"), [&](const std::optional<orders::Order>& order) -> Result<NotificationDecision> {
        saw_none = !order.has_value();
        return NotificationDecision{orders::NotificationOutcome::unknown_order, std::nullopt};
      });
  REQUIRE(unknown.ok());
  CHECK(saw_none);
  CHECK_FALSE(unknown->applied);
  CHECK(unknown->outcome == orders::NotificationOutcome::unknown_order);
  CHECK(f.store.notifications("NOSUCH7").value().size() == 1);

  f.insert("NOTE8");
  const auto refused = f.store.record_notification(
      notification("EV-8", "NOTE8"), [](const std::optional<orders::Order>&) -> Result<NotificationDecision> {
        return Error::make(ErrorKind::invalid_input, "malformed", "resource.amount: must be a whole number of fen");
      });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "malformed");
  CHECK(f.store.notifications("NOTE8").value().empty());
}

STORE_CONTRACT("a notification for an unknown order is kept without an order reference") {
  StoreFixture f{Backend_::backend};
  auto n = notification("EV-3", "NOSUCHORDER");
  n.outcome = orders::NotificationOutcome::unknown_order;
  const auto result = f.store.record_notification(n, std::nullopt);
  REQUIRE(result.ok());
  CHECK_FALSE(result->duplicate);
  CHECK_FALSE(result->applied);
  CHECK(f.scalar("SELECT count(*) FROM notifications WHERE id = 'EV-3' AND order_id IS NULL") == "1");
  CHECK(f.store.notifications("NOSUCHORDER").value().size() == 1);
  CHECK(f.store.record_notification(n, std::nullopt).value().duplicate);
}

STORE_CONTRACT("a notification whose update fails in storage is not recorded either") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("NOTE4").id;
  f.reach(id, OrderState::success);
  OrderUpdate u;
  u.order_id = id;
  u.expect_state = OrderState::success;
  u.updated_at = k_t0 + 2h;
  u.fund_return = FundReturnRecord{}; // refused by the CHECK on recharge_returned_id
  auto n = notification("EV-4", "NOTE4");
  n.event_type = "RECHARGE.FUND_RETURNED";
  REQUIRE_FALSE(f.store.record_notification(n, u).ok());
  CHECK(f.store.notifications("NOTE4").value().empty());
  // Nothing was written, so the platform's retry is not mistaken for a duplicate.
  u.fund_return->recharge_returned_id = "RET-4";
  const auto retry = f.store.record_notification(n, u);
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->duplicate);
  CHECK(retry->applied);
}

STORE_CONTRACT("a notification with a forbidden update is refused before anything is written") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("NOTE5").id;
  const auto result = f.store.record_notification(
      notification("EV-5", "NOTE5"), transition(id, OrderState::new_order, OrderState::success, k_t0 + 1h));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "forbidden_transition");
  CHECK(f.store.notifications("NOTE5").value().empty());
}
