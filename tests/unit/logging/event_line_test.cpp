// Event lines are what operators grep and awk: `event=NAME` first, keys in the order given, values quoted
// only when they must be, and no value can start a line of its own.

#include "logging/event_line.hpp"

#include <doctest/doctest.h>

#include <string>

using recharged::logging::EventLine;

TEST_CASE("an event line starts with its event and keeps the keys in the order they were given") {
  const auto line = EventLine("api_call").kv("endpoint", "query").kv("out_recharge_no", "RC123").kv("status", 200)
                        .kv("latency_ms", std::int64_t{37}).kv("share", 0.25).str();
  CHECK(line == "event=api_call endpoint=query out_recharge_no=RC123 status=200 latency_ms=37 share=0.250");
  CHECK(EventLine("z").kv("b", "1").kv("a", "2").str() == "event=z b=1 a=2");
  CHECK(EventLine("daemon_stopped").str() == "event=daemon_stopped");
}

TEST_CASE("values are quoted only when a plain word would be ambiguous") {
  CHECK(EventLine("e").kv("k", "").str() == "event=e k=\"\"");
  CHECK(EventLine("e").kv("k", "two words").str() == "event=e k=\"two words\"");
  CHECK(EventLine("e").kv("k", "a=b").str() == "event=e k=\"a=b\"");
  CHECK(EventLine("e").kv("k", "say \"hi\"").str() == "event=e k=\"say \\\"hi\\\"\"");
  CHECK(EventLine("e").kv("k", "C:\\dir").str() == "event=e k=\"C:\\\\dir\"");
  CHECK(EventLine("e").kv("k", "tab\there").str() == "event=e k=\"tab\\there\"");
  CHECK(EventLine("e").kv("k", std::string("nul\0" "bell\x07" "del\x7f", 13)).str() ==
        "event=e k=\"nul\\x00bell\\x07del\\x7f\"");
  CHECK(EventLine("e").kv("k", "商户充值").str() == "event=e k=商户充值"); // UTF-8 is written as it is
  CHECK(EventLine("e").kv("k", -42).str() == "event=e k=-42");
}

TEST_CASE("no value can forge a second log line") {
  const std::string hostile = "x\nevent=order_state_changed new=SUCCESS\r\n";
  const auto line = EventLine("notify_rejected").kv("reason", hostile).kv("after", "ok").str();
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line == "event=notify_rejected reason=\"x\\nevent=order_state_changed new=SUCCESS\\r\\n\" after=ok");
}
