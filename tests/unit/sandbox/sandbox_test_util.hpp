#pragma once

// Small helpers shared by the sandbox tests.

#include "core/time.hpp"
#include "schedule/settlement_calendar.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace recharged::sandbox_test {

// The shipped holiday calendar (2024–2026, with make-up workdays).
inline const schedule::SettlementCalendar& calendar() {
  static const schedule::SettlementCalendar cal = [] {
    auto loaded = schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
    REQUIRE(loaded.ok());
    return std::move(*loaded);
  }();
  return cal;
}

// A Shanghai wall-clock time: sh("2026-11-23T17:15:00").
inline TimePoint sh(const std::string& local) { return parse_rfc3339(local + "+08:00").value(); }

// Polls `done` every 5 ms of real time for at most `limit`; for work another thread finishes soon.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds{5}) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return done();
}

} // namespace recharged::sandbox_test
