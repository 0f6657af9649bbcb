#include "daemon/push_watch.hpp"

#include "engine/policy_planner.hpp"
#include "logging/setup.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

using namespace recharged;
using namespace std::chrono;

namespace {

TimePoint t0() { return parse_rfc3339("2026-11-23T10:00:00+08:00").value(); }

schedule::PollPolicyConfig knobs() {
  schedule::PollPolicyConfig c;
  c.push_recover_count = 2;
  c.push_miss_limit = 2;
  return c;
}

notify::Reply reply(std::string_view outcome, std::string no = "") {
  notify::Reply r;
  r.outcome = *orders::parse_notification_outcome(outcome);
  r.out_recharge_no = std::move(no);
  return r;
}

const schedule::SettlementCalendar& calendar() {
  static const auto cal =
      schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"}).value();
  return cal;
}

// A real store with RECHARGING orders.
struct StoreRig {
  StoreRig() {
    storage::DatabaseOptions options;
    options.path = dir / "recharged.db";
    database = std::move(storage::Database::open(options, storage::MigrationMode::create).value());
    store = std::make_unique<storage::SqliteOrderStore>(*database);
  }

  orders::Order recharging(const std::string& no, TimePoint applied, TimePoint next_poll, std::string reason) {
    orders::Order o;
    o.out_recharge_no = no;
    o.sub_mchid = "1900000109";
    o.amount = 10'000;
    o.created_at = applied;
    o.updated_at = applied;
    o.close_after = applied + days{6};
    auto inserted = store->insert_new(o, applied);
    REQUIRE(inserted.ok());
    storage::OrderUpdate u;
    u.order_id = inserted->order.id;
    u.expect_state = orders::OrderState::new_order;
    u.new_state = orders::OrderState::recharging;
    u.updated_at = applied;
    u.applied_at = applied;
    u.last_poll_at = applied;
    u.set_next_poll = true;
    u.next_poll_at = next_poll;
    u.next_poll_reason = std::move(reason);
    auto stored = store->commit_one(u);
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    return **stored;
  }

  test::TempDir dir;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::OrderStore> store;
};

// Commits straight to the store, as the group committer would.
class DirectSink final : public engine::UpdateSink {
public:
  explicit DirectSink(storage::OrderStore& store) : store_(store) {}
  Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override { return store_.commit(updates); }

private:
  storage::OrderStore& store_;
};

storage::OrderUpdate paid(const orders::Order& o, TimePoint at, TimePoint landed, orders::EventSource source) {
  storage::OrderUpdate u;
  u.order_id = o.id;
  u.expect_state = orders::OrderState::recharging;
  u.new_state = orders::OrderState::success;
  u.updated_at = at;
  u.success_time = landed;
  orders::OrderEvent e;
  e.at = at;
  e.source = source;
  e.kind = orders::EventKind::state_changed;
  e.old_state = orders::OrderState::recharging;
  e.new_state = orders::OrderState::success;
  e.message = "paid";
  u.events.push_back(e);
  return u;
}

} // namespace

TEST_CASE("the push watch judges the listener's answers: verified ones make it healthy, refusals unhealthy") {
  ManualClock clock(t0());
  daemon::PushWatch watch(knobs(), clock, logging::Logging::null_logger("daemon"), true);
  CHECK(watch.view().health == schedule::PushHealth::unknown);
  CHECK(watch.schedule() == schedule::PollSchedule::full);
  CHECK(watch.take_replan()); // at start, orders a previous run planned sparse go back to the full schedule
  watch.notification(reply("applied", "A"));
  watch.notification(reply("probe"));
  watch.notification(reply("duplicate", "A"));
  CHECK(watch.view().health == schedule::PushHealth::healthy);
  CHECK(watch.schedule() == schedule::PollSchedule::safety_net);
  CHECK_FALSE(watch.take_replan());
  watch.notification(reply("bad_signature"));
  watch.notification(reply("decrypt"));
  CHECK(watch.view().health == schedule::PushHealth::unhealthy);
  CHECK(watch.take_replan());
  CHECK_FALSE(watch.take_replan()); // once per turn
  std::vector<daemon::Gauge> g;
  watch.gauges(g);
  const auto healthy = std::find_if(g.begin(), g.end(), [](const auto& x) { return x.name == "recharged_push_healthy"; });
  REQUIRE(healthy != g.end());
  CHECK(healthy->value == 0);
  schedule::PollPolicyConfig off = knobs();
  off.push_aware = false;
  watch.configure(off);
  watch.notification(reply("applied", "B"));
  watch.notification(reply("applied", "C"));
  CHECK(watch.view().health == schedule::PushHealth::healthy);
  CHECK(watch.schedule() == schedule::PollSchedule::full); // push_aware = false: judged, not used
}

TEST_CASE("without a notification listener the watch reports push unhealthy from the start") {
  ManualClock clock(t0());
  daemon::PushWatch watch(knobs(), clock, logging::Logging::null_logger("daemon"), false);
  CHECK(watch.status().health == schedule::PushHealth::unhealthy);
  CHECK(watch.status().reason.find("[notify] enabled = false") != std::string::npos);
}

TEST_CASE("a SUCCESS a query commits is evidence; one a notification brought is not") {
  StoreRig s;
  ManualClock clock(t0() + hours{1});
  daemon::PushWatch watch(knobs(), clock, logging::Logging::null_logger("daemon"), true);
  REQUIRE(watch.take_replan()); // the start's
  DirectSink direct(*s.store);
  daemon::PushEvidenceSink sink(direct, watch);
  const auto a = s.recharging("EVID1", t0(), t0() + hours{2}, "safety net: x");
  const auto b = s.recharging("EVID2", t0(), t0() + hours{2}, "safety net: x");
  const auto c = s.recharging("EVID3", t0(), t0() + hours{2}, "safety net: x");
  const TimePoint now = clock.now();
  auto stored = sink.commit({paid(a, now, now - minutes{30}, orders::EventSource::notify)});
  REQUIRE(stored.ok());
  CHECK(watch.status().lost == 0);
  stored = sink.commit({paid(b, now, now - minutes{30}, orders::EventSource::poll),
                        paid(c, now, now - minutes{20}, orders::EventSource::close)});
  REQUIRE(stored.ok());
  CHECK(watch.status().lost == 2);
  CHECK(watch.view().health == schedule::PushHealth::unhealthy);
  CHECK(watch.status().reason.find("EVID3") != std::string::npos);
  CHECK(watch.take_replan());
}

TEST_CASE("replanning moves open orders from the safety net back to the full schedule at once") {
  StoreRig s;
  const TimePoint now = t0() + minutes{20};
  // Polled at 10:00 and planned on the safety net for 10:40; the full schedule would query it by 10:02.
  const auto sparse = s.recharging("REPLAN1", t0(), t0() + minutes{40}, "safety net: every 10m");
  // Already due sooner than any plan: left alone.
  const auto soon = s.recharging("REPLAN2", t0(), now, "qr window: due");
  auto planner = engine::make_policy_planner(knobs(), calendar(), [&] {
    return schedule::PushView{schedule::PushHealth::unhealthy, now};
  });
  auto moved = daemon::replan_open_orders(*s.store, *planner, now);
  REQUIRE(moved.ok());
  CHECK(*moved == 1);
  const auto o = s.store->find("REPLAN1").value().value();
  CHECK(o.next_poll_at.value() <= now);
  CHECK(o.next_poll_reason.rfind("qr window", 0) == 0);
  CHECK(s.store->find("REPLAN2").value().value().next_poll_at.value() == now);
  CHECK(sparse.state == orders::OrderState::recharging);
  CHECK(soon.state == orders::OrderState::recharging);
}
