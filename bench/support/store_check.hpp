#pragma once

#include "bench/support/sqlite_handle.hpp"
#include "core/result.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace recharged::bench {

// One invariant of the order store and how many rows break it (0 = holds).
struct CheckFinding {
  std::string invariant;
  std::int64_t violations = 0;
};

// Checks a database against the invariants the store keeps (README "Order lifecycle", migrations/0001): SQLite's own
// quick_check and foreign keys, final_at exactly on terminal orders, next_poll_at exactly on open ones,
// creation first, events in time order, state changes that chain and end in the order's state, updated_at
// at the latest event — then reads every `sample_every`-th order with its events, notifications and fund
// returns back through storage::OrderStore, which refuses any value it could not have written.
[[nodiscard]] Result<std::vector<CheckFinding>> check_store(SqliteHandle& db, const std::filesystem::path& path,
                                                            std::int64_t sample_every);

} // namespace recharged::bench
