#pragma once

#include "core/clock.hpp"
#include "storage/pg_connection.hpp"
#include "storage/webhook_store.hpp"

#include <mutex>
#include <string>

namespace recharged::storage {

// The webhook outbox in PostgreSQL, for several nodes delivering from one database.
// - fan_out locks each endpoint's cursor row (endpoints in name order, so two nodes never deadlock): a second
//   node waits, then reads the cursor the first one moved and does none of its work again; deliveries are
//   inserted ON CONFLICT DO NOTHING against the (endpoint, feed_event_id) key besides.
// - due claims its rows with FOR UPDATE SKIP LOCKED and leases them to `owner` until now + `lease`, in one
//   statement: no two nodes are handed one delivery while the lease runs. The owner's own leased rows are handed
//   to it again (a round cut short resumes at once); a dead node's are taken over when the lease runs out, so
//   `lease` must exceed what one deliverer round takes (batch × attempt timeout).
// Calls are serialised on the one connection, which must outlive the store.
class PgWebhookStore final : public WebhookStore {
public:
  PgWebhookStore(pg::Connection& connection, std::string owner, Millis lease);

  [[nodiscard]] Result<std::int64_t> fan_out(const std::vector<WebhookEndpoint>& endpoints, TimePoint now,
                                             int limit) override;
  [[nodiscard]] Result<std::vector<DueDelivery>> due(const std::string& endpoint, TimePoint now, int limit) override;
  // Ends the delivery's lease, whoever holds it: the attempt happened.
  [[nodiscard]] Status record_attempt(std::int64_t delivery_id, const DeliveryAttempt& attempt) override;
  [[nodiscard]] Result<std::int64_t> replay_delivery(std::int64_t delivery_id, TimePoint now) override;
  [[nodiscard]] Result<std::int64_t> replay_since(const WebhookEndpoint& endpoint, TimePoint since,
                                                  TimePoint now) override;
  [[nodiscard]] Result<std::vector<EndpointSummary>> summaries() override;
  [[nodiscard]] Result<std::vector<EndpointSummary>> backlog() override;
  [[nodiscard]] Result<std::vector<DeliveryRow>> deliveries(const std::string& endpoint,
                                                            const std::string& out_recharge_no, int limit) override;
  [[nodiscard]] Result<std::optional<DeliveryRow>> delivery(std::int64_t id) override;
  [[nodiscard]] Result<std::vector<AttemptRow>> attempts(std::int64_t delivery_id) override;

private:
  pg::Connection& db_;
  std::string owner_;
  Millis lease_;
  std::mutex mu_;
};

} // namespace recharged::storage
