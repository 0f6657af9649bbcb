#pragma once

#include "bench/support/order_life.hpp"
#include "bench/support/sqlite_handle.hpp"

namespace recharged::bench {

// Writes generated orders straight into the store's tables (the schema of migrations/, applied first by
// storage::Database), with explicit order ids, in the caller's transaction. Values are encoded exactly as
// storage/order_bindings.cpp encodes them.
class OrderWriter {
public:
  [[nodiscard]] static Result<OrderWriter> prepare(SqliteHandle& db);
  [[nodiscard]] Status write(const GeneratedOrder& order);

  std::int64_t events_written = 0;
  std::int64_t notifications_written = 0;

private:
  OrderWriter(SqliteStatement order, SqliteStatement event, SqliteStatement notification, SqliteStatement fund_return)
      : order_(std::move(order)), event_(std::move(event)), notification_(std::move(notification)),
        fund_return_(std::move(fund_return)) {}
  Status write_order(const orders::Order& o);
  Status write_event(const orders::OrderEvent& e);

  SqliteStatement order_;
  SqliteStatement event_;
  SqliteStatement notification_;
  SqliteStatement fund_return_;
};

} // namespace recharged::bench
