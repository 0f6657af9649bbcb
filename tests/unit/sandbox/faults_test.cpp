#include "sandbox/faults.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace recharged;
using namespace recharged::sandbox;
using namespace std::chrono_literals;

TEST_CASE("fault settings are read by name and described back in the same spelling") {
  FaultConfig c;
  CHECK(set_fault(c, "server_error", "0.25").ok());
  CHECK(set_fault(c, "latency_duration", "1s").ok());
  CHECK(set_fault(c, "timeout_hold", "45s").ok());
  CHECK(set_fault(c, "frequency_limit", "7").ok());
  CHECK(set_fault(c, "notify_probe_signature", "1").ok());
  CHECK(c.server_error == doctest::Approx(0.25));
  CHECK(c.latency_duration == 1s);
  CHECK(c.timeout_hold == 45s);
  CHECK(c.frequency_limit == 7);
  CHECK(c.notify_probe_signature == doctest::Approx(1.0));
  const auto d = describe(c);
  CHECK(d.size() == 12);
  FaultConfig again;
  for (const auto& [key, value] : d) CHECK(set_fault(again, key, value).ok());
  CHECK(describe(again) == d);
}

TEST_CASE("a fault setting with an unknown name or a bad value is refused with the name in the message") {
  FaultConfig c;
  auto unknown = set_fault(c, "meteor", "1");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("meteor") != std::string::npos);
  CHECK_FALSE(set_fault(c, "reset", "1.5").ok());
  CHECK_FALSE(set_fault(c, "reset", "-0.1").ok());
  CHECK_FALSE(set_fault(c, "reset", "often").ok());
  CHECK_FALSE(set_fault(c, "latency_duration", "soon").ok());
  CHECK_FALSE(set_fault(c, "frequency_limit", "-1").ok());
  CHECK(c.reset == 0);
}

TEST_CASE("a rate of one always injects its fault and a rate of zero never does") {
  FaultConfig c;
  c.timeout = 1;
  FaultInjector always(c, 5);
  for (int i = 0; i < 50; ++i) CHECK(always.decide().kind == FaultKind::timeout);
  FaultInjector never(FaultConfig{}, 5);
  for (int i = 0; i < 50; ++i) {
    const auto d = never.decide();
    CHECK(d.kind == FaultKind::none);
    CHECK(d.latency == 0ms);
    CHECK(never.decide_notification() == FaultKind::none);
  }
}

TEST_CASE("fault rates are honoured in proportion and a seed repeats the same decisions") {
  FaultConfig c;
  c.server_error = 0.1;
  c.reset = 0.2;
  c.latency = 0.5;
  FaultInjector a(c, 9);
  FaultInjector b(c, 9);
  std::map<FaultKind, int> counts;
  int delayed = 0;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    const auto d = a.decide();
    const auto e = b.decide();
    CHECK(d.kind == e.kind);
    ++counts[d.kind];
    if (d.latency > 0ms) ++delayed;
  }
  CHECK(counts[FaultKind::server_error] > n * 8 / 100);
  CHECK(counts[FaultKind::server_error] < n * 12 / 100);
  CHECK(counts[FaultKind::reset] > n * 17 / 100);
  CHECK(counts[FaultKind::reset] < n * 23 / 100);
  CHECK(counts[FaultKind::none] > n * 65 / 100);
  CHECK(delayed > n * 45 / 100);
  CHECK(delayed < n * 55 / 100);
}

TEST_CASE("the frequency limit allows that many requests per endpoint in any one second") {
  FaultConfig c;
  c.frequency_limit = 3;
  FaultInjector f(c, 1);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  CHECK_FALSE(f.over_limit("query", t0));
  CHECK_FALSE(f.over_limit("query", t0 + 100ms));
  CHECK_FALSE(f.over_limit("query", t0 + 200ms));
  CHECK(f.over_limit("query", t0 + 300ms));
  CHECK_FALSE(f.over_limit("apply", t0 + 300ms));
  CHECK(f.over_limit("query", t0 + 999ms));
  CHECK_FALSE(f.over_limit("query", t0 + 1000ms));
  CHECK_FALSE(f.over_limit("query", t0 + 1100ms));
  CHECK_FALSE(f.over_limit("query", t0 + 1200ms));
  CHECK(f.over_limit("query", t0 + 1250ms));
  FaultInjector unlimited(FaultConfig{}, 1);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(unlimited.over_limit("query", t0));
}
