#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace recharged::storage {

// Every fixed SQL statement of the order store (order_sql.cpp holds the text). Values are always bound.
enum class Sql {
  insert_order,
  update_order, // the compare-and-set UPDATE behind every change (SUCCESS, CLOSED, …)
  update_order_keep_state, // the same for an update without new_state: it leaves state and final_at unnamed
  claim_apply,  // takes a NEW order's apply lease when it is free
  insert_event,
  insert_fund_return,
  insert_feed_event, // the outbox row of a state change or fund return, in the change's own transaction
  insert_notification,
  notification_seen,
  find_by_out_recharge_no,
  find_by_id,
  events_of_order,
  notifications_of_order,
  fund_returns_of_order,
  due,
  unscheduled_open,
  count_by_state,
  count_due,
  oldest_open_created_at,
  next_due_at,
};
inline constexpr std::size_t k_sql_count = static_cast<std::size_t>(Sql::next_due_at) + 1;

[[nodiscard]] std::string_view sql_text(Sql which) noexcept;

// The columns of an orders row in the order read_order (order_rows.hpp) expects them.
[[nodiscard]] std::string_view order_columns() noexcept;
// `text` with {open_states}, {terminal_states} (SQL lists built from orders::, never typed), {order_columns} and,
// when given, {state_columns} filled in. Both backends' SQL is written with these names.
[[nodiscard]] std::string expand(std::string_view text, std::string_view state_columns = {});

// Prepared statements of one connection, each compiled on first use and kept: the hot paths (commit, due)
// then only bind and step. Not thread-safe (the OrderStore's mutex guards it). Must die before the connection.
class StatementCache {
public:
  // A statement ready to bind (reset, bindings cleared); reset and cleared again when the lease ends, so no
  // read snapshot outlives the call.
  class Lease {
  public:
    explicit Lease(SQLite::Statement& statement) noexcept : statement_(statement) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SQLite::Statement& operator*() const noexcept { return statement_; }
    SQLite::Statement* operator->() const noexcept { return &statement_; }

  private:
    SQLite::Statement& statement_;
  };

  explicit StatementCache(SQLite::Database& db) noexcept;
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // Throws SQLite::Exception when the statement cannot be prepared (callers run inside `guarded`).
  [[nodiscard]] Lease get(Sql which);
  [[nodiscard]] SQLite::Database& db() const noexcept { return db_; }

private:
  SQLite::Database& db_;
  std::array<std::unique_ptr<SQLite::Statement>, k_sql_count> slots_;
};

} // namespace recharged::storage
