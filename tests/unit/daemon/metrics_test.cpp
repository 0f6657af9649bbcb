#include "daemon/listeners.hpp"
#include "daemon/metrics.hpp"

#include <doctest/doctest.h>

using namespace recharged;

TEST_CASE("metrics render counters, cumulative histogram buckets and gauges in the Prometheus text format") {
  daemon::Metrics m;
  wxpay::CallRecord ok;
  ok.endpoint = wxpay::Endpoint::query;
  ok.outcome = "ok";
  ok.latency = Millis{30};
  m.on_call(ok);
  wxpay::CallRecord slow = ok;
  slow.latency = Millis{3000};
  slow.outcome = "SYSTEM_ERROR";
  m.on_call(slow);
  m.on_notification("RECHARGE.SUCCESS", "applied");
  const std::string text = m.render({{"recharged_orders", "gauge", "Orders by state.", {{"state", "NEW"}}, 3}});
  CHECK(text.find("# TYPE recharged_orders gauge\nrecharged_orders{state=\"NEW\"} 3\n") != std::string::npos);
  CHECK(text.find("recharged_api_calls_total{endpoint=\"query\",outcome=\"ok\"} 1") != std::string::npos);
  CHECK(text.find("recharged_api_calls_total{endpoint=\"query\",outcome=\"SYSTEM_ERROR\"} 1") != std::string::npos);
  CHECK(text.find("recharged_api_call_duration_seconds_bucket{endpoint=\"query\",le=\"0.025\"} 0") != std::string::npos);
  CHECK(text.find("recharged_api_call_duration_seconds_bucket{endpoint=\"query\",le=\"0.05\"} 1") != std::string::npos);
  CHECK(text.find("recharged_api_call_duration_seconds_bucket{endpoint=\"query\",le=\"5\"} 2") != std::string::npos);
  CHECK(text.find("recharged_api_call_duration_seconds_bucket{endpoint=\"query\",le=\"+Inf\"} 2") != std::string::npos);
  CHECK(text.find("recharged_api_call_duration_seconds_count{endpoint=\"query\"} 2") != std::string::npos);
  CHECK(text.find("recharged_notifications_total{event_type=\"RECHARGE.SUCCESS\",outcome=\"applied\"} 1") != std::string::npos);
  CHECK(m.last_api_success().has_value());
}

TEST_CASE("label values are escaped") {
  daemon::Metrics m;
  const std::string text = m.render({{"g", "gauge", "h", {{"k", "a\"b\\c\nd"}}, 1}});
  CHECK(text.find(R"(g{k="a\"b\\c\nd"} 1)") != std::string::npos);
}

TEST_CASE("health is 200 while the database answers and the loop is alive, 503 otherwise") {
  daemon::HealthReport h;
  h.database_ok = true;
  h.loop_age_seconds = 1;
  CHECK(daemon::health_response(h).status == 200);
  h.loop_age_seconds = 31;
  CHECK(daemon::health_response(h).status == 503);
  h.loop_age_seconds = 1;
  h.database_ok = false;
  h.database_error = "locked";
  const auto r = daemon::health_response(h);
  CHECK(r.status == 503);
  CHECK(r.body.find("locked") != std::string::npos);
}
