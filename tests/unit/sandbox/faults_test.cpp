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
  CHECK(set_fault(c, "omit_fields", "recharge_amount.amount,close_time").ok());
  CHECK(set_fault(c, "null_fields", "0.5").ok());
  CHECK(set_fault(c, "account_type_as", "BASIC").ok());
  CHECK(set_fault(c, "error", "no_auth_punished").ok());
  CHECK(set_fault(c, "error_endpoint", "apply").ok());
  CHECK(set_fault(c, "no_auth", "1900000102:no_auth_controlled,1900000103").ok());
  CHECK(c.omit_fields == std::vector<std::string>{"recharge_amount.amount", "close_time"});
  CHECK(c.error == NamedError::no_auth_punished);
  CHECK(c.no_auth.at("1900000103") == NamedError::no_auth);
  CHECK(set_fault(c, "sign_with", "certificate").ok());
  CHECK(set_fault(c, "strip_headers", "all").ok());
  CHECK(set_fault(c, "clock_offset", "-10m").ok());
  CHECK(set_fault(c, "backup_host", "down").ok());
  CHECK(c.sign_with == AnswerSigner::certificate);
  CHECK(c.strip_headers.size() == 5);
  CHECK(c.clock_offset == -10min);
  CHECK(c.backup_down);
  CHECK(set_fault(c, "notify_lost", "0.25").ok());
  CHECK(set_fault(c, "notify_endpoint", "down").ok());
  CHECK(c.notify_lost == doctest::Approx(0.25));
  CHECK(c.notify_down);
  CHECK_FALSE(set_fault(c, "notify_endpoint", "gone").ok());
  const auto d = describe(c);
  CHECK(d.size() == 30);
  CHECK(d.at("notify_endpoint") == "down");
  CHECK(d.at("no_auth") == "1900000102:no_auth_controlled,1900000103:no_auth");
  CHECK(d.at("clock_offset") == "-10m");
  CHECK(d.at("strip_headers") ==
        "Wechatpay-Timestamp,Wechatpay-Nonce,Wechatpay-Signature,Wechatpay-Serial,Wechatpay-Signature-Type");
  CHECK(d.at("backup_host") == "down");
  CHECK(d.at("sign_with") == "certificate");
  FaultConfig again;
  for (const auto& [key, value] : d) CHECK(set_fault(again, key, value).ok());
  CHECK(describe(again) == d);
  CHECK(describe(FaultConfig{}).at("clock_offset") == "0s");
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
  CHECK_FALSE(set_fault(c, "sign_with", "both").ok());
  auto header = set_fault(c, "strip_headers", "Wechatpay-Signature,Request-ID");
  REQUIRE_FALSE(header.ok());
  CHECK(header.error().message.find("Request-ID") != std::string::npos);
  CHECK_FALSE(set_fault(c, "clock_offset", "-soon").ok());
  CHECK_FALSE(set_fault(c, "backup_host", "sideways").ok());
  CHECK(c.strip_headers.empty());
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

TEST_CASE("the configured error strikes only its endpoint and at its rate, and NO_AUTH only its sub-merchants") {
  FaultConfig c;
  c.error = NamedError::frequency_limited;
  c.error_endpoint = "close";
  c.no_auth = {{"1900000102", NamedError::no_auth_punished}};
  FaultInjector f(c, 3);
  CHECK_FALSE(f.forced_error("query").has_value());
  const auto e = f.forced_error("close");
  REQUIRE(e.has_value());
  CHECK(e->status == 429);
  CHECK(e->body.code == "FREQUENCY_LIMITED");
  CHECK_FALSE(f.no_auth("1900000101").has_value());
  REQUIRE(f.no_auth("1900000102").has_value());
  CHECK(f.no_auth("1900000102")->body.message == "平台充值权限被处罚,无法发起充值");
  c.error_rate = 0;
  f.set_config(c);
  CHECK_FALSE(f.forced_error("close").has_value());
}

TEST_CASE("answer shapes are drawn at their rates, and rates of zero draw nothing") {
  FaultConfig c;
  c.extra_fields = 1;
  c.account_type_as = "BASIC";
  FaultInjector f(c, 9);
  const AnswerShape s = f.shape();
  CHECK(s.extra_fields);
  CHECK_FALSE(s.omit_optional);
  CHECK(s.account_type_as == "BASIC");
  // Shapes at rate 0 leave the fault sequence of a seed as it was.
  FaultConfig faults;
  faults.server_error = 0.5;
  FaultInjector plain(faults, 11);
  FaultInjector shaped(faults, 11);
  for (int i = 0; i < 20; ++i) {
    (void)shaped.shape();
    CHECK(plain.decide().kind == shaped.decide().kind);
  }
}
