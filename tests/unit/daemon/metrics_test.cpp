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

TEST_CASE("a starved listener makes health fail and says why; a busy one that still serves at once does not") {
  http::ServerStats s;
  s.max_connections = 4;
  s.connections_open = 3;
  s.workers_busy = 16;
  CHECK(daemon::starvation(s).empty());
  s.connections_open = 4;
  CHECK(daemon::starvation(s).find("all 4 connections are taken") != std::string::npos);
  s.connections_open = 1;
  s.queued = 3;
  s.oldest_wait_seconds = 0.2;
  CHECK(daemon::starvation(s).empty()); // queued briefly is normal
  s.oldest_wait_seconds = 2.5;
  CHECK(daemon::starvation(s) == "3 requests wait for a worker, the oldest for 2.5 s");

  daemon::HealthReport h;
  h.database_ok = true;
  h.loop_age_seconds = 1;
  h.listeners = {{"notify", ""}, {"ops", ""}};
  const auto ok = daemon::health_response(h);
  CHECK(ok.status == 200);
  CHECK(ok.body.find(R"("listeners":{"notify":"ok","ops":"ok"})") != std::string::npos);
  h.listeners[0].second = daemon::starvation(s);
  const auto starved = daemon::health_response(h);
  CHECK(starved.status == 503);
  CHECK(starved.body.find(R"("status":"failing")") != std::string::npos);
  CHECK(starved.body.find(R"("notify":"starved: 3 requests wait for a worker)") != std::string::npos);
}

TEST_CASE("listener counters render as one series per listener") {
  http::ServerStats n;
  n.connections_open = 7;
  n.max_connections = 256;
  n.requests_timed_out = 3;
  http::ServerStats o;
  o.max_connections = 32;
  daemon::Metrics m;
  const std::string text = m.render(daemon::listener_gauges({{"notify", n}, {"ops", o}}));
  CHECK(text.find("recharged_listener_connections{listener=\"notify\"} 7\n") != std::string::npos);
  CHECK(text.find("recharged_listener_connections{listener=\"ops\"} 0\n") != std::string::npos);
  CHECK(text.find("# TYPE recharged_listener_requests_timed_out_total counter\n") != std::string::npos);
  CHECK(text.find("recharged_listener_requests_timed_out_total{listener=\"notify\"} 3\n") != std::string::npos);
  CHECK(text.find("recharged_listener_starved{listener=\"notify\"} 0\n") != std::string::npos);
  // One HELP/TYPE header per metric, however many listeners.
  std::size_t headers = 0;
  for (auto at = text.find("# TYPE recharged_listener_connections gauge"); at != std::string::npos;
       at = text.find("# TYPE recharged_listener_connections gauge", at + 1))
    ++headers;
  CHECK(headers == 1);
}
