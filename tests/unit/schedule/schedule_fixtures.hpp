#pragma once

// Shared helpers for the schedule tests: the shipped calendar, Shanghai wall-clock instants, and orders.

#include "orders/order.hpp"
#include "schedule/settlement_calendar.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace recharged::test::schedule {

// data/calendar/{2024,2025,2026}.json as shipped.
inline const recharged::schedule::SettlementCalendar& shipped_calendar() {
  static const auto cal = [] {
    auto loaded = recharged::schedule::SettlementCalendar::load(
        {std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
    REQUIRE(loaded.ok());
    return std::move(*loaded);
  }();
  return cal;
}

// "2026-11-23T17:15:00" read as Shanghai wall-clock time.
inline TimePoint sh(const std::string& local) { return parse_rfc3339(local + "+08:00").value(); }

// An order the platform accepted at `applied` (Shanghai time), RECHARGING, never polled.
inline orders::Order accepted_order(const std::string& no, const std::string& applied,
                                    std::vector<std::string> channels = {}) {
  orders::Order o;
  o.out_recharge_no = no;
  o.sub_mchid = "1900000109";
  o.state = orders::OrderState::recharging;
  o.created_at = sh(applied) - std::chrono::seconds{1};
  o.updated_at = sh(applied);
  o.applied_at = sh(applied);
  o.channels = std::move(channels);
  return o;
}

} // namespace recharged::test::schedule
