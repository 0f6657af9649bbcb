#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace recharged::storage {

// A configured endpoint as the outbox sees it: its name and the feed types it wants (empty = every type).
struct WebhookEndpoint {
  std::string name;
  std::set<std::string> types;
};

// A delivery ready to be tried: the event it carries and what is known of earlier attempts.
struct DueDelivery {
  std::int64_t id = 0;
  std::string endpoint;
  std::int64_t feed_event_id = 0;
  std::int64_t order_id = 0;
  int attempts = 0;
  std::string type;
  TimePoint at{};
  std::string data; // the feed row's JSON payload
};

// The outcome of one attempt (webhook_attempts row) and what follows from it.
struct DeliveryAttempt {
  TimePoint at{};
  int status = 0; // the endpoint's HTTP status; 0 when no answer came
  std::int64_t latency_ms = 0;
  std::string error; // "" on a 2xx
  bool delivered = false;
  std::optional<TimePoint> next_attempt_at; // when not delivered: the retry, or nullopt = give up ("failed")
};

struct DeliveryRow {
  std::int64_t id = 0;
  std::string endpoint;
  std::int64_t feed_event_id = 0;
  std::string out_recharge_no;
  std::string type;
  std::string state; // pending | delivered | failed
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at, last_attempt_at, delivered_at;
  int last_status = 0;
  std::string last_error;
  TimePoint created_at{};
};

struct AttemptRow {
  TimePoint at{};
  int status = 0;
  std::int64_t latency_ms = 0;
  std::string error;
};

// Per endpoint: deliveries by state and the oldest undelivered one (metrics, `recharged webhooks list`).
struct EndpointSummary {
  std::string endpoint;
  std::int64_t after = 0; // the feed cursor: events up to it have their deliveries
  std::int64_t pending = 0, delivered = 0, failed = 0;
  std::optional<TimePoint> oldest_pending_created_at;
};

// The webhook side of the transactional outbox (tables feed_events, webhook_cursors, webhook_deliveries,
// webhook_attempts). OrderStore writes feed rows with the state changes; this store fans them out into one
// delivery per interested endpoint, hands out the due ones in per-order feed order, and records every attempt.
// On either backend (SqliteWebhookStore, PgWebhookStore; one contract suite), each on a connection of its own (the
// deliverer runs beside the pollers without sharing their lock). Thread-safe.
class WebhookStore {
public:
  virtual ~WebhookStore() = default;

  // Creates the deliveries of up to `limit` feed events after each endpoint's cursor and moves the cursor, in one
  // transaction. An endpoint seen for the first time starts at the current end of the feed (it is not sent the
  // past; `replay` does that). Returns how many deliveries were created. Nodes fanning out at once create each
  // delivery once and only ever move a cursor forward.
  [[nodiscard]] virtual Result<std::int64_t> fan_out(const std::vector<WebhookEndpoint>& endpoints, TimePoint now,
                                                     int limit) = 0;

  // `endpoint`'s pending deliveries due at `now`, oldest first, each only when no earlier event of the same order
  // is still pending for it: per endpoint, an order's messages go out in the order they were recorded. Where
  // several nodes share the store (PostgreSQL), the deliveries handed out are leased to this store until it
  // records an attempt or the lease runs out; meanwhile no other node is handed them.
  [[nodiscard]] virtual Result<std::vector<DueDelivery>> due(const std::string& endpoint, TimePoint now,
                                                             int limit) = 0;

  // Records an attempt and moves the delivery on: delivered, retried at next_attempt_at, or failed.
  [[nodiscard]] virtual Status record_attempt(std::int64_t delivery_id, const DeliveryAttempt& attempt) = 0;

  // Sends again: one delivery (by id), or for `endpoint` every event recorded since `since` (creating the
  // deliveries the endpoint never had, e.g. from before it was configured). Returns how many were queued.
  [[nodiscard]] virtual Result<std::int64_t> replay_delivery(std::int64_t delivery_id, TimePoint now) = 0;
  [[nodiscard]] virtual Result<std::int64_t> replay_since(const WebhookEndpoint& endpoint, TimePoint since,
                                                          TimePoint now) = 0;

  // Every count, delivered included: it reads the endpoint's whole history (`recharged webhooks list`).
  [[nodiscard]] virtual Result<std::vector<EndpointSummary>> summaries() = 0;
  // Pending and failed counts and the oldest pending message (`delivered` left 0), through the partial indexes
  // on pending and failed rows: it costs the backlog, not the history (/metrics, the deliverer's behind report).
  [[nodiscard]] virtual Result<std::vector<EndpointSummary>> backlog() = 0;
  // Deliveries of one endpoint (all when empty), newest first; of one order when out_recharge_no is set.
  [[nodiscard]] virtual Result<std::vector<DeliveryRow>> deliveries(const std::string& endpoint,
                                                                    const std::string& out_recharge_no, int limit) = 0;
  [[nodiscard]] virtual Result<std::optional<DeliveryRow>> delivery(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<std::vector<AttemptRow>> attempts(std::int64_t delivery_id) = 0;
};

} // namespace recharged::storage
