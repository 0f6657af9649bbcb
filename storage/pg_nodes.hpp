#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/pg_connection.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace recharged::storage::pg {

// How often a daemon renews its heartbeat, and how old one may be before the others count that node as gone.
inline constexpr Millis k_node_heartbeat_every{10'000};
inline constexpr Millis k_node_dead_after{60'000};

// One daemon sharing the database, as the nodes table and the visit leases show it.
struct NodeView {
  std::string id;
  std::string host;
  int pid = 0;
  TimePoint started_at{};
  TimePoint heartbeat_at{};
  bool live = false;       // its heartbeat is recent enough (list's dead_after)
  std::int64_t leases = 0; // orders it holds a running visit lease on
};

// The daemons sharing one PostgreSQL database (table nodes). Each renews its heartbeat while it runs; one whose
// heartbeat is older than `dead_after` counts as gone — its visit leases run out by themselves, and the others
// stop counting it when they split the merchant's API budget. Calls are serialised on the connection.
class Nodes {
public:
  explicit Nodes(Connection& connection) : db_(connection) {} // must outlive this

  // Inserts `id`'s row or renews its heartbeat; started_at stays the first beat's.
  [[nodiscard]] Status heartbeat(const std::string& id, const std::string& host, int pid, TimePoint now);
  // Every node known, live ones first then by id, with the visit leases each holds at `now`. Leases held by an
  // owner with no row (a node that left without releasing them) are listed as a node that is not live.
  [[nodiscard]] Result<std::vector<NodeView>> list(TimePoint now, Millis dead_after);
  // Removes `id`'s row (a clean stop); its leases are released separately (OrderStore::release_visits).
  [[nodiscard]] Status leave(const std::string& id);

private:
  Connection& db_;
  std::mutex mu_;
};

// How many of `nodes` are live.
[[nodiscard]] int live_count(const std::vector<NodeView>& nodes);

// One node's part of a budget the merchant's API allows all nodes together (calls per second): an even split
// among the live nodes, this one included even when its own heartbeat has not been seen yet.
[[nodiscard]] double budget_share(double budget, int live_nodes);

} // namespace recharged::storage::pg
