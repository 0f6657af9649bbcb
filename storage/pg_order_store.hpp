#pragma once

#include "storage/order_store.hpp"
#include "storage/pg_connection.hpp"

#include <mutex>

namespace recharged::storage {

// The order store in PostgreSQL, for several daemons sharing one database. Same contract as SqliteOrderStore
// (the contract suite runs against both). Each write is one READ COMMITTED transaction: compare-and-set UPDATEs
// re-check their guard against the row as committed by any node, a notification locks its order while it is
// judged, and an insert that races another node's insert of the same out_recharge_no returns the stored order.
// A commit of observations only sets synchronous_commit = off for its transaction: the PostgreSQL name for
// the same trade as SQLite's unsynced commit. Calls are serialised on the one connection.
class PgOrderStore final : public OrderStore {
public:
  explicit PgOrderStore(pg::Connection& connection); // must outlive the store
  ~PgOrderStore() override;

  [[nodiscard]] Result<InsertResult> insert_new(const orders::Order& order, TimePoint now) override;
  [[nodiscard]] Result<ClaimResult> claim_apply(std::int64_t id, TimePoint now, TimePoint until,
                                                const std::string& owner) override;
  [[nodiscard]] Result<Committed> commit(std::span<const OrderUpdate> updates) override;
  using OrderStore::record_notification;
  [[nodiscard]] Result<NotificationResult> record_notification(NotificationRecord record,
                                                               const NotificationJudge& judge) override;
  [[nodiscard]] Result<std::optional<orders::Order>> find(std::string_view out_recharge_no) override;
  [[nodiscard]] Result<std::optional<orders::Order>> find_by_id(std::int64_t id) override;
  [[nodiscard]] Result<std::vector<orders::OrderEvent>> events(std::int64_t order_id) override;
  [[nodiscard]] Result<std::vector<NotificationRecord>> notifications(std::string_view out_recharge_no) override;
  [[nodiscard]] Result<std::vector<FundReturnRecord>> fund_returns(std::int64_t order_id) override;
  [[nodiscard]] Result<std::vector<orders::Order>> due(TimePoint now, int limit) override;
  [[nodiscard]] Result<std::vector<orders::Order>> claim_due(TimePoint now, int limit, const std::string& owner,
                                                             TimePoint until) override;
  [[nodiscard]] Result<bool> claim_visit(std::int64_t id, TimePoint now, const std::string& owner,
                                         TimePoint until) override;
  [[nodiscard]] Status end_visit(std::int64_t id, const std::string& owner) override;
  [[nodiscard]] Result<std::int64_t> release_visits(const std::string& owner) override;
  [[nodiscard]] Result<std::vector<orders::Order>> unscheduled_open(int limit) override;
  [[nodiscard]] Result<ListPage> list(const ListFilter& filter) override;
  [[nodiscard]] Result<Counts> counts(TimePoint now) override;
  [[nodiscard]] Result<SettlementLag> settlement_lag(TimePoint now, bool interbank_open) override;
  // PostgreSQL checks its own pages; what can go wrong under us is an index left invalid (a failed
  // CREATE INDEX CONCURRENTLY, a REINDEX cut short): "ok", or the orders indexes that are not usable.
  [[nodiscard]] Result<std::string> check_orders_table() override;
  // Nothing to do: PostgreSQL manages its own WAL.
  [[nodiscard]] Result<Database::Checkpoint> checkpoint() override;

private:
  pg::Connection& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
