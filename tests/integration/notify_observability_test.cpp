// What an operator's monitoring sees of the daemon process: /metrics scraped over HTTP (the documented
// families, with values that move as the daemon works) and /healthz (200 while it works, 503 when its
// database is unavailable).

#include "tests/integration/listening_rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>


using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct OpsRig : ListeningRig {
  std::string scrape() {
    const auto r = http_get(metrics_port, "/metrics");
    INFO(r.error);
    REQUIRE(r.status == 200);
    return r.body;
  }

  double value(const std::string& exposition, const std::string& sample) {
    const auto v = metric(exposition, sample);
    INFO(sample);
    REQUIRE(v.has_value());
    return *v;
  }

};

void stop(Process& daemon) {
  daemon.send(SIGTERM);
  CHECK(daemon.wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}

} // namespace

TEST_CASE("/metrics has the documented families, and their values move as the daemon works") {
  OpsRig ops;
  ops.apply("METRICS1");
  ops.apply("METRICS2");
  auto daemon = ops.start();
  const std::string first = ops.scrape();
  for (const std::string family :
       {"recharged_up", "recharged_orders", "recharged_due_orders", "recharged_oldest_open_order_age_seconds",
        "recharged_poll_overdue_seconds", "recharged_settlement_overdue_orders", "recharged_in_flight_visits",
        "recharged_visits_total", "recharged_rate_limit_waits_total", "recharged_rate_limited_total",
        "recharged_api_rate_per_second", "recharged_commit_transactions_total", "recharged_api_calls_total",
        "recharged_api_call_duration_seconds", "recharged_notifications_total"}) {
    CAPTURE(family);
    CHECK(first.find("# TYPE " + family + " ") != std::string::npos);
    CHECK(first.find("# HELP " + family + " ") != std::string::npos);
  }
  CHECK(ops.value(first, "recharged_up") == 1);
  CHECK(ops.value(first, "recharged_orders{state=\"RECHARGING\"}") == 2);
  CHECK(ops.value(first, "recharged_orders{state=\"SUCCESS\"}") == 0);
  CHECK(ops.value(first, "recharged_settlement_overdue_orders{channel=\"qr\"}") >= 0);
  CHECK(ops.value(first, "recharged_rate_limit_waits_total") >= 0);
  const double age = ops.value(first, "recharged_oldest_open_order_age_seconds");
  CHECK(age > 0);

  // Work happens: polls at the platform, a payment, its notification, the confirming query.
  REQUIRE(eventually([&] { return metric(ops.scrape(), "recharged_api_calls_total{endpoint=\"query\",outcome=\"ok\"}")
                                       .value_or(0) >= 2; },
                     Millis{20'000}, Millis{200}));
  const std::string before_pay = ops.scrape();
  ops.pay_now("METRICS1");
  REQUIRE(eventually([&] { return ops.rig.order("METRICS1")->state == orders::OrderState::success; }, Millis{20'000},
                     Millis{100}));
  REQUIRE(eventually([&] {
    return metric(ops.scrape(), "recharged_notifications_total{event_type=\"RECHARGE.SUCCESS\",outcome=\"applied\"}")
               .value_or(0) == 1;
  }, Millis{5'000}));
  const std::string later = ops.scrape();
  CHECK(ops.value(later, "recharged_orders{state=\"SUCCESS\"}") == 1);
  CHECK(ops.value(later, "recharged_orders{state=\"RECHARGING\"}") == 1);
  CHECK(ops.value(later, "recharged_visits_total") > ops.value(first, "recharged_visits_total"));
  CHECK(ops.value(later, "recharged_api_calls_total{endpoint=\"query\",outcome=\"ok\"}") >
        ops.value(before_pay, "recharged_api_calls_total{endpoint=\"query\",outcome=\"ok\"}"));
  const double calls = ops.value(later, "recharged_api_call_duration_seconds_count{endpoint=\"query\"}");
  CHECK(calls == ops.value(later, "recharged_api_calls_total{endpoint=\"query\",outcome=\"ok\"}"));
  CHECK(ops.value(later, "recharged_api_call_duration_seconds_bucket{endpoint=\"query\",le=\"+Inf\"}") == calls);
  CHECK(ops.value(later, "recharged_oldest_open_order_age_seconds") > age);
  CHECK(ops.value(later, "recharged_commit_transactions_total") > 0);
  stop(*daemon);
}

TEST_CASE("/healthz is 200 while the daemon works and 503 when its database is unavailable") {
  OpsRig ops;
  ops.apply("HEALTH1");
  auto daemon = ops.start();
  const auto healthy = http_get(ops.metrics_port, "/healthz");
  REQUIRE(healthy.status == 200);
  const json ok = json::parse(healthy.body);
  CHECK(ok["status"] == "ok");
  CHECK(ok["database"] == "ok");
  CHECK(ok["open_orders"] == 1);
  CHECK(ok["loop_age_seconds"].get<double>() < 5);

  // The operator (or a restore gone wrong) moves the database away and puts a copy in its place: the daemon
  // must say so, and must not go on recording into a file nobody will read again.
  const fs::path db = ops.rig.database_path();
  const fs::path moved = db.string() + ".moved";
  fs::rename(db, moved);
  fs::copy_file(moved, db);
  REQUIRE(eventually([&] { return http_get(ops.metrics_port, "/healthz").status == 503; }, Millis{10'000}));
  const json failing = json::parse(http_get(ops.metrics_port, "/healthz").body);
  CHECK(failing["status"] == "failing");
  const std::string why = failing["database"];
  CHECK(why.find(db.string()) != std::string::npos);
  CHECK(why.find("moved, deleted or replaced") != std::string::npos);

  ops.pay_now("HEALTH1");
  // A visit already under way may finish; from then on nothing may be dispatched.
  REQUIRE(eventually([&] { return metric(ops.scrape(), "recharged_in_flight_visits").value_or(1) == 0; },
                     Millis{20'000}));
  const auto queries = ops.rig.truth("HEALTH1").queries;
  // Virtual time passing is the scenario: two dense poll intervals, in which the order falls due, and then
  // the daemon's next attempt at its database, which must be refused rather than followed by a query.
  const TimePoint due_twice = ops.rig.clock().now() + std::chrono::minutes{3};
  REQUIRE(eventually([&] { return ops.rig.clock().now() >= due_twice; }, Millis{60'000}));
  const std::size_t mark = ops.rig.daemon_log_text().size();
  REQUIRE(ops.rig.wait_for_log("event=storage_unavailable code=moved", Millis{30'000}, mark));
  CHECK(ops.rig.truth("HEALTH1").queries == queries); // nothing is dispatched that could not be recorded
  CHECK(daemon->running());

  // The right file comes back: the daemon recovers on its own, and the payment is recorded.
  fs::rename(moved, db);
  CHECK(eventually([&] { return http_get(ops.metrics_port, "/healthz").status == 200; }, Millis{40'000}, Millis{200}));
  CHECK(eventually([&] { return ops.rig.order("HEALTH1")->state == orders::OrderState::success; }, Millis{40'000},
                   Millis{200}));
  stop(*daemon);
}
