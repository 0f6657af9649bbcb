#include "storage/pg_webhook_store.hpp"

#include "storage/pg_statement.hpp"
#include "storage/pg_transaction.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace recharged::storage {
namespace {

// An endpoint's types as a JSON array for `{wanted}`; [] is every type.
std::string types_json(const WebhookEndpoint& e) { return nlohmann::json(e.types).dump(); }

// The feed rows an endpoint wants (WebhookEndpoint::types), for the statements that queue deliveries.
std::string with_wanted(std::string_view sql) {
  static constexpr std::string_view k_wanted =
      "(jsonb_array_length(:types::jsonb) = 0 OR f.type IN (SELECT jsonb_array_elements_text(:types::jsonb)))";
  std::string out(sql);
  out.replace(out.find("{wanted}"), 8, k_wanted);
  return out;
}

const pg::Statement& start_cursor() {
  static const pg::Statement s = pg::compile(R"(
INSERT INTO webhook_cursors (endpoint, after, created_at)
VALUES (:endpoint, (SELECT coalesce(max(id), 0) FROM feed_events), :now::timestamptz)
ON CONFLICT (endpoint) DO NOTHING)");
  return s;
}

// Held until the fan-out commits: another node's fan-out of the endpoint waits, then starts from the moved cursor.
const pg::Statement& lock_cursor() {
  static const pg::Statement s = pg::compile("SELECT after FROM webhook_cursors WHERE endpoint = :endpoint FOR UPDATE");
  return s;
}

// The id of the last of the next `limit` feed rows after the cursor (the cursor itself when there are none).
const pg::Statement& batch_end() {
  static const pg::Statement s = pg::compile(R"(
SELECT coalesce(max(id), :after::bigint)
FROM (SELECT id FROM feed_events WHERE id > :after::bigint ORDER BY id LIMIT :limit::bigint) AS batch)");
  return s;
}

const pg::Statement& queue_batch() {
  static const pg::Statement s = pg::compile(with_wanted(R"(
INSERT INTO webhook_deliveries (endpoint, feed_event_id, order_id, state, next_attempt_at, created_at)
SELECT :endpoint::text, f.id, f.order_id, 'pending', :now::timestamptz, :now::timestamptz
FROM feed_events f WHERE f.id > :after::bigint AND f.id <= :upto::bigint AND {wanted}
ORDER BY f.id
ON CONFLICT (endpoint, feed_event_id) DO NOTHING)"));
  return s;
}

const pg::Statement& move_cursor() {
  static const pg::Statement s =
      pg::compile("UPDATE webhook_cursors SET after = :upto::bigint WHERE endpoint = :endpoint");
  return s;
}

// Claims and leases in one statement. SKIP LOCKED passes over rows another node is claiming right now; a row it
// has claimed and committed fails the lease test when re-checked against its committed version.
const pg::Statement& claim_due() {
  static const pg::Statement s = pg::compile(R"(
WITH claimed AS (
  UPDATE webhook_deliveries SET lease_until = :lease_until::timestamptz, lease_owner = :owner::text
  WHERE id IN (
    SELECT d.id FROM webhook_deliveries d
    WHERE d.endpoint = :endpoint::text AND d.state = 'pending' AND d.next_attempt_at <= :now::timestamptz
      AND (d.lease_until IS NULL OR d.lease_until <= :now::timestamptz OR d.lease_owner = :owner::text)
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries e WHERE e.endpoint = d.endpoint AND e.order_id = d.order_id
        AND e.feed_event_id < d.feed_event_id AND e.state = 'pending')
    ORDER BY d.next_attempt_at, d.id LIMIT :limit::bigint
    FOR UPDATE OF d SKIP LOCKED)
  RETURNING id, endpoint, feed_event_id, order_id, attempts, next_attempt_at)
SELECT c.id, c.endpoint, c.feed_event_id, c.order_id, c.attempts, f.type, f.at, f.data
FROM claimed c JOIN feed_events f ON f.id = c.feed_event_id
ORDER BY c.next_attempt_at, c.id)");
  return s;
}

const pg::Statement& record() {
  static const pg::Statement s = pg::compile(R"(
WITH attempt AS (
  INSERT INTO webhook_attempts (delivery_id, at, status, latency_ms, error)
  VALUES (:id::bigint, :at::timestamptz, :status::integer, :latency_ms::bigint, :error::text))
UPDATE webhook_deliveries SET state = :state::text, attempts = attempts + 1,
  next_attempt_at = :next_attempt_at::timestamptz, last_attempt_at = :at::timestamptz,
  last_status = :status::integer, last_error = :error::text,
  delivered_at = CASE WHEN :state::text = 'delivered' THEN :at::timestamptz ELSE delivered_at END,
  lease_until = NULL, lease_owner = ''
WHERE id = :id::bigint)");
  return s;
}

const pg::Statement& replay_one() {
  static const pg::Statement s = pg::compile(
      "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = :now::timestamptz WHERE id = :id::bigint");
  return s;
}

// Events past the cursor are fanned out anyway; replaying them here would double the row.
const pg::Statement& replay_range() {
  static const pg::Statement s = pg::compile(with_wanted(R"(
INSERT INTO webhook_deliveries (endpoint, feed_event_id, order_id, state, next_attempt_at, created_at)
SELECT :endpoint::text, f.id, f.order_id, 'pending', :now::timestamptz, :now::timestamptz
FROM feed_events f
WHERE f.at >= :since::timestamptz AND {wanted}
  AND f.id <= coalesce((SELECT after FROM webhook_cursors WHERE endpoint = :endpoint::text),
                       (SELECT coalesce(max(id), 0) FROM feed_events))
ORDER BY f.id
ON CONFLICT (endpoint, feed_event_id) DO UPDATE SET state = 'pending', next_attempt_at = EXCLUDED.next_attempt_at)"));
  return s;
}

// SQLite's backlog query without its INDEXED BY: PostgreSQL's planner takes the partial indexes by itself.
constexpr std::string_view k_backlog = R"(
SELECT c.endpoint, c.after,
  (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = c.endpoint AND d.state = 'pending'),
  (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = c.endpoint AND d.state = 'failed'),
  (SELECT min(created_at) FROM webhook_deliveries d WHERE d.endpoint = c.endpoint AND d.state = 'pending')
FROM webhook_cursors c ORDER BY c.endpoint)";

constexpr std::string_view k_delivered = R"(
SELECT endpoint, count(*) FROM webhook_deliveries WHERE state = 'delivered' GROUP BY endpoint)";

constexpr std::string_view k_delivery_select = R"(
SELECT d.id, d.endpoint, d.feed_event_id, o.out_recharge_no, f.type, d.state, d.attempts, d.next_attempt_at,
       d.last_attempt_at, d.delivered_at, d.last_status, d.last_error, d.created_at
FROM webhook_deliveries d JOIN feed_events f ON f.id = d.feed_event_id JOIN orders o ON o.id = d.order_id )";

const pg::Statement& list_deliveries() {
  static const pg::Statement s = pg::compile(std::string(k_delivery_select) + R"(
WHERE (:endpoint::text = '' OR d.endpoint = :endpoint::text)
  AND (:out_recharge_no::text = '' OR o.out_recharge_no = :out_recharge_no::text)
ORDER BY d.id DESC LIMIT :limit::bigint)");
  return s;
}

const pg::Statement& one_delivery() {
  static const pg::Statement s = pg::compile(std::string(k_delivery_select) + "WHERE d.id = :id::bigint");
  return s;
}

// Times the store wrote read back; an unreadable one (never written so) reads as absent, as on SQLite.
std::optional<TimePoint> optional_time(const pg::Rows& rows, int r, int c) {
  if (rows.is_null(r, c)) return std::nullopt;
  auto parsed = parse_rfc3339(rows.text(r, c));
  if (!parsed) return std::nullopt;
  return *parsed;
}

TimePoint time_of(const pg::Rows& rows, int r, int c) { return optional_time(rows, r, c).value_or(TimePoint{}); }

int small(const pg::Rows& rows, int r, int c) { return static_cast<int>(rows.integer(r, c)); }

DeliveryRow read_delivery(const pg::Rows& rows, int r) {
  DeliveryRow d;
  d.id = rows.integer(r, 0);
  d.endpoint = rows.text(r, 1);
  d.feed_event_id = rows.integer(r, 2);
  d.out_recharge_no = rows.text(r, 3);
  d.type = rows.text(r, 4);
  d.state = rows.text(r, 5);
  d.attempts = small(rows, r, 6);
  d.next_attempt_at = optional_time(rows, r, 7);
  d.last_attempt_at = optional_time(rows, r, 8);
  d.delivered_at = optional_time(rows, r, 9);
  d.last_status = small(rows, r, 10);
  d.last_error = rows.text(r, 11);
  d.created_at = time_of(rows, r, 12);
  return d;
}

constexpr std::string_view k_begin = "BEGIN";

} // namespace

PgWebhookStore::PgWebhookStore(pg::Connection& connection, std::string owner, Millis lease)
    : db_(connection), owner_(std::move(owner)), lease_(lease) {}

Result<std::int64_t> PgWebhookStore::fan_out(const std::vector<WebhookEndpoint>& endpoints, TimePoint now, int limit) {
  std::vector<const WebhookEndpoint*> in_lock_order;
  for (const auto& e : endpoints) in_lock_order.push_back(&e);
  std::sort(in_lock_order.begin(), in_lock_order.end(),
            [](const WebhookEndpoint* a, const WebhookEndpoint* b) { return a->name < b->name; });
  std::lock_guard lock(mu_);
  return pg::in_transaction(db_, k_begin, "queue webhook deliveries", [&]() -> Result<std::int64_t> {
    std::int64_t queued = 0;
    for (const WebhookEndpoint* e : in_lock_order) {
      pg::NamedParams start(start_cursor());
      start.text(":endpoint", e->name);
      start.text(":now", format_utc(now));
      RECHARGED_CHECK(start.exec(db_));
      pg::NamedParams cursor(lock_cursor());
      cursor.text(":endpoint", e->name);
      RECHARGED_TRY(const pg::Rows at, cursor.exec(db_));
      const std::int64_t after = at.integer(0, 0);
      pg::NamedParams end(batch_end());
      end.integer(":after", after);
      end.integer(":limit", limit);
      RECHARGED_TRY(const pg::Rows upto_rows, end.exec(db_));
      const std::int64_t upto = upto_rows.integer(0, 0);
      if (upto == after) continue;
      pg::NamedParams insert(queue_batch());
      insert.text(":endpoint", e->name);
      insert.text(":now", format_utc(now));
      insert.integer(":after", after);
      insert.integer(":upto", upto);
      insert.text(":types", types_json(*e));
      RECHARGED_TRY(const pg::Rows inserted, insert.exec(db_));
      queued += inserted.affected();
      pg::NamedParams move(move_cursor());
      move.text(":endpoint", e->name);
      move.integer(":upto", upto);
      RECHARGED_CHECK(move.exec(db_));
    }
    return queued;
  });
}

Result<std::vector<DueDelivery>> PgWebhookStore::due(const std::string& endpoint, TimePoint now, int limit) {
  pg::NamedParams claim(claim_due());
  claim.text(":endpoint", endpoint);
  claim.text(":now", format_utc(now));
  claim.text(":lease_until", format_utc(now + lease_));
  claim.text(":owner", owner_);
  claim.integer(":limit", limit);
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, claim.exec(db_));
  std::vector<DueDelivery> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(DueDelivery{rows.integer(r, 0), rows.text(r, 1), rows.integer(r, 2), rows.integer(r, 3),
                              small(rows, r, 4), rows.text(r, 5), time_of(rows, r, 6), rows.text(r, 7)});
  return out;
}

Status PgWebhookStore::record_attempt(std::int64_t delivery_id, const DeliveryAttempt& a) {
  pg::NamedParams p(record());
  p.integer(":id", delivery_id);
  p.text(":at", format_utc(a.at));
  p.integer(":status", a.status);
  p.integer(":latency_ms", a.latency_ms);
  p.text(":error", a.error);
  p.text(":state", a.delivered ? "delivered" : a.next_attempt_at ? "pending" : "failed");
  if (!a.delivered && a.next_attempt_at) p.text(":next_attempt_at", format_utc(*a.next_attempt_at));
  else p.null(":next_attempt_at");
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(p.exec(db_));
  return {};
}

Result<std::int64_t> PgWebhookStore::replay_delivery(std::int64_t delivery_id, TimePoint now) {
  pg::NamedParams p(replay_one());
  p.integer(":id", delivery_id);
  p.text(":now", format_utc(now));
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return rows.affected();
}

Result<std::int64_t> PgWebhookStore::replay_since(const WebhookEndpoint& endpoint, TimePoint since, TimePoint now) {
  pg::NamedParams p(replay_range());
  p.text(":endpoint", endpoint.name);
  p.text(":since", format_utc(since));
  p.text(":now", format_utc(now));
  p.text(":types", types_json(endpoint));
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return rows.affected();
}

Result<std::vector<EndpointSummary>> PgWebhookStore::summaries() {
  RECHARGED_TRY(std::vector<EndpointSummary> out, backlog());
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec(k_delivered));
  std::map<std::string, std::int64_t> delivered;
  for (int r = 0; r < rows.size(); ++r) delivered[rows.text(r, 0)] = rows.integer(r, 1);
  for (auto& s : out) s.delivered = delivered[s.endpoint];
  return out;
}

Result<std::vector<EndpointSummary>> PgWebhookStore::backlog() {
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec(k_backlog));
  std::vector<EndpointSummary> out;
  for (int r = 0; r < rows.size(); ++r) {
    EndpointSummary s;
    s.endpoint = rows.text(r, 0);
    s.after = rows.integer(r, 1);
    s.pending = rows.integer(r, 2);
    s.failed = rows.integer(r, 3);
    s.oldest_pending_created_at = optional_time(rows, r, 4);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<DeliveryRow>> PgWebhookStore::deliveries(const std::string& endpoint,
                                                            const std::string& out_recharge_no, int limit) {
  pg::NamedParams p(list_deliveries());
  p.text(":endpoint", endpoint);
  p.text(":out_recharge_no", out_recharge_no);
  p.integer(":limit", limit);
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  std::vector<DeliveryRow> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(read_delivery(rows, r));
  return out;
}

Result<std::optional<DeliveryRow>> PgWebhookStore::delivery(std::int64_t id) {
  pg::NamedParams p(one_delivery());
  p.integer(":id", id);
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  if (rows.size() == 0) return std::optional<DeliveryRow>{};
  return std::optional<DeliveryRow>(read_delivery(rows, 0));
}

Result<std::vector<AttemptRow>> PgWebhookStore::attempts(std::int64_t delivery_id) {
  const std::array<pg::Param, 1> values{std::to_string(delivery_id)};
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec("SELECT at, status, latency_ms, error FROM webhook_attempts "
                                              "WHERE delivery_id = $1 ORDER BY id",
                                              values));
  std::vector<AttemptRow> out;
  for (int r = 0; r < rows.size(); ++r)
    out.push_back({time_of(rows, r, 0), small(rows, r, 1), rows.integer(r, 2), rows.text(r, 3)});
  return out;
}

} // namespace recharged::storage
