#include "storage/pg_nodes.hpp"

#include "storage/pg_statement.hpp"

#include <algorithm>

namespace recharged::storage::pg {
namespace {

constexpr std::string_view k_heartbeat = R"(
INSERT INTO nodes (id, started_at, heartbeat_at, host, pid)
VALUES (:id, :now::timestamptz, :now::timestamptz, :host, :pid::integer)
ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, host = EXCLUDED.host, pid = EXCLUDED.pid)";

// Nodes with their running leases, and lease owners that have no row.
constexpr std::string_view k_list = R"(
WITH leases AS (
  SELECT visit_owner AS id, count(*) AS held FROM orders
  WHERE visit_lease_until > :now::timestamptz AND visit_owner <> '' GROUP BY visit_owner)
SELECT n.id, n.host, n.pid, n.started_at, n.heartbeat_at,
       (n.heartbeat_at > :now::timestamptz - make_interval(secs => :dead_after_ms::bigint / 1000.0))::integer,
       COALESCE(l.held, 0)
FROM nodes n LEFT JOIN leases l ON l.id = n.id
UNION ALL
SELECT l.id, '', 0, NULL, NULL, 0, l.held FROM leases l WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = l.id)
ORDER BY 6 DESC, 1)";

} // namespace

Status Nodes::heartbeat(const std::string& id, const std::string& host, int pid, TimePoint now) {
  static const Statement statement = compile(k_heartbeat);
  std::lock_guard lock(mu_);
  NamedParams p(statement);
  p.text(":id", id);
  p.text(":now", format_utc(now));
  p.text(":host", host);
  p.integer(":pid", pid);
  RECHARGED_CHECK(p.exec(db_));
  return {};
}

Result<std::vector<NodeView>> Nodes::list(TimePoint now, Millis dead_after) {
  static const Statement statement = compile(k_list);
  std::lock_guard lock(mu_);
  NamedParams p(statement);
  p.text(":now", format_utc(now));
  p.integer(":dead_after_ms", dead_after.count());
  RECHARGED_TRY(const Rows rows, p.exec(db_));
  std::vector<NodeView> nodes;
  for (int r = 0; r < rows.size(); ++r) {
    NodeView n;
    n.id = rows.text(r, 0);
    n.host = rows.text(r, 1);
    n.pid = static_cast<int>(rows.integer(r, 2));
    if (!rows.is_null(r, 3)) n.started_at = parse_rfc3339(rows.text(r, 3)).value_or(TimePoint{});
    if (!rows.is_null(r, 4)) n.heartbeat_at = parse_rfc3339(rows.text(r, 4)).value_or(TimePoint{});
    n.live = rows.integer(r, 5) == 1;
    n.leases = rows.integer(r, 6);
    nodes.push_back(std::move(n));
  }
  return nodes;
}

Status Nodes::leave(const std::string& id) {
  std::lock_guard lock(mu_);
  const std::vector<Param> params{id};
  RECHARGED_CHECK(db_.exec("DELETE FROM nodes WHERE id = $1", params));
  return {};
}

int live_count(const std::vector<NodeView>& nodes) {
  return static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [](const NodeView& n) { return n.live; }));
}

double budget_share(double budget, int live_nodes) { return budget / std::max(live_nodes, 1); }

} // namespace recharged::storage::pg
