#pragma once

// Shared helpers for the polling-efficiency benchmark tests: the shipped calendar and tiny workloads.

#include "bench/efficiency/workload.hpp"
#include "schedule/settlement_calendar.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace recharged::test::efficiency {

inline const schedule::SettlementCalendar& calendar() {
  static const schedule::SettlementCalendar cal = [] {
    auto loaded = schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
    REQUIRE(loaded.ok());
    return std::move(*loaded);
  }();
  return cal;
}

inline TimePoint sh(const std::string& local) { return parse_rfc3339(local + "+08:00").value(); }

// A small workload over two days before National Day with every kind of payer, restricted channels, returned
// transfers and late bank payers.
inline bench::efficiency::Workload tiny_workload(std::size_t orders = 120, std::uint64_t seed = 7) {
  const std::string text = R"({
    "name": "tiny", "orders": )" + std::to_string(orders) + R"(, "seed": )" + std::to_string(seed) + R"(,
    "apply": {"periods": [{"start": "2026-09-29T00:00:00+08:00", "days": 2}]},
    "channel_offers": [
      {"share": 0.5, "channels": []},
      {"share": 0.2, "channels": ["BANK_TRANSFER"]},
      {"share": 0.2, "channels": ["QR_RECHARGE"]},
      {"share": 0.1, "channels": ["QR_RECHARGE", "ONLINE_BANK"]}
    ],
    "payers": {
      "never": 0.3,
      "qr": {"weight": 0.4, "median_delay": "3m"},
      "online_bank": {"weight": 0.2, "median_delay": "10m"},
      "bank_transfer": {"weight": 0.4, "median_delay": "1h", "later": 0.5, "later_days": 5},
      "returned": 0.2
    }
  })";
  auto w = bench::efficiency::parse_workload(text, "tiny");
  REQUIRE(w.ok());
  return *w;
}

} // namespace recharged::test::efficiency
