#pragma once

#include "storage/database.hpp"
#include "storage/webhook_store.hpp"

#include <mutex>
#include <string_view>

namespace recharged::storage {

// The webhook outbox in the SQLite file: each write one IMMEDIATE transaction. The daemon is the file's only
// deliverer, so due() hands out rows without leasing them. Its own connection (`db`, which must outlive it).
class SqliteWebhookStore final : public WebhookStore {
public:
  explicit SqliteWebhookStore(Database& db) : db_(db) {}

  [[nodiscard]] Result<std::int64_t> fan_out(const std::vector<WebhookEndpoint>& endpoints, TimePoint now,
                                             int limit) override;
  [[nodiscard]] Result<std::vector<DueDelivery>> due(const std::string& endpoint, TimePoint now, int limit) override;
  [[nodiscard]] Status record_attempt(std::int64_t delivery_id, const DeliveryAttempt& attempt) override;
  [[nodiscard]] Result<std::int64_t> replay_delivery(std::int64_t delivery_id, TimePoint now) override;
  [[nodiscard]] Result<std::int64_t> replay_since(const WebhookEndpoint& endpoint, TimePoint since,
                                                  TimePoint now) override;
  [[nodiscard]] Result<std::vector<EndpointSummary>> summaries() override;
  [[nodiscard]] Result<std::vector<EndpointSummary>> backlog() override;
  [[nodiscard]] static std::string_view backlog_sql() noexcept; // its query, for the query-plan test
  [[nodiscard]] Result<std::vector<DeliveryRow>> deliveries(const std::string& endpoint,
                                                            const std::string& out_recharge_no, int limit) override;
  [[nodiscard]] Result<std::optional<DeliveryRow>> delivery(std::int64_t id) override;
  [[nodiscard]] Result<std::vector<AttemptRow>> attempts(std::int64_t delivery_id) override;

private:
  Database& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
