#pragma once

// The end-of-test audit every reliability test runs: the database as the daemon left it, compared with the
// sandbox's ground truth and with the rules an auditor would check by hand. Each function returns the problems
// it found, one sentence each (empty = clean), so a failing test prints all of them at once.

#include "orders/order.hpp"
#include "sandbox/platform.hpp"
#include "sandbox/server.hpp"

#include <map>

#include <filesystem>
#include <string>
#include <vector>

namespace recharged::test {

// Everything in one database file, read through one read-only connection.
struct DatabaseSnapshot {
  std::vector<orders::Order> orders;                      // oldest first
  std::vector<std::vector<orders::OrderEvent>> events;   // events[i] belong to orders[i], oldest first
  std::string integrity;                                  // PRAGMA integrity_check: "ok" when sound
  std::int64_t notifications = 0;                         // rows in `notifications`
  std::vector<std::string> notification_ids;
};
[[nodiscard]] DatabaseSnapshot read_database(const std::filesystem::path& db);

// The event rules for one order: it starts with `created` (NEW); every state_changed event continues from the
// state the previous one reached and is allowed by the lifecycle; every move into SUCCESS or CLOSED carries the
// verified platform view as evidence, and that view says the same state, order, sub-merchant and amount; at most
// one event enters a final state; the last state reached is the order's state.
[[nodiscard]] std::vector<std::string> event_problems(const orders::Order& order,
                                                      const std::vector<orders::OrderEvent>& events);

struct TruthOptions {
  bool require_final = true;        // every order must be SUCCESS or CLOSED
};

// The database against the platform: the same set of orders on both sides (nothing created at the platform
// that is unknown locally, nothing local the platform never saw), each applied exactly once, no duplicate-apply
// refusals, no SUSPECT or REJECTED order, and each order's state, recharge id, amount, sub-merchant, platform
// state, channel and success time as the platform has them.
[[nodiscard]] std::vector<std::string> truth_problems(const DatabaseSnapshot& db, const sandbox::Platform& platform,
                                                      const TruthOptions& options = {});

// What the audit-trail comparison needs to know about the run besides the two records.
struct TrailOptions {
  // Request-IDs the client saw in place of the platform's own (a man in the middle's forgeries): shown → genuine.
  std::map<std::string, std::string> substituted;
  // Moments (shared virtual time) processes were killed with SIGKILL. A call the platform answered within
  // `kill_window` of one may have died with its process before it was recorded, at most `max_lost` of them.
  std::vector<TimePoint> kills;
  Millis kill_window{0};
  std::size_t max_lost = 0;
};

// Every platform call in the audit trail: for each order, each call in the sandbox's own log (Server::calls)
// that the platform answered has an order_events row with its endpoint and Request-ID; every Request-ID in
// order_events was sent by the platform for that order; and calls the platform dropped (no answer) are matched
// by rows of failed calls without a Request-ID. Calls lost at a kill are allowed only as TrailOptions says.
[[nodiscard]] std::vector<std::string> trail_problems(const DatabaseSnapshot& db, const sandbox::Server& server,
                                                      const TrailOptions& options = {});

// All of the above plus integrity_check, for a test's final CHECK.
[[nodiscard]] std::vector<std::string> audit(const DatabaseSnapshot& db, const sandbox::Platform& platform,
                                             const TruthOptions& options = {});

// The first `max` problems, one per line, with the total.
[[nodiscard]] std::string describe(const std::vector<std::string>& problems, std::size_t max = 25);

} // namespace recharged::test
