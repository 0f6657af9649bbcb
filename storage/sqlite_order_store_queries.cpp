// The read side of OrderStore: lookups, the due list, listings and counts.
#include "storage/sqlite_order_store.hpp"

#include "storage/order_rows.hpp"
#include "storage/order_store_rules.hpp"
#include "storage/order_sql.hpp"
#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace recharged::storage {
namespace {

using orders::OrderState;

using rules::clip;

// The single value of a MIN(time) query: nullopt for NULL (no rows).
Result<std::optional<TimePoint>> single_time(SQLite::Statement& query) {
  if (!query.executeStep() || query.getColumn(0).isNull()) return std::optional<TimePoint>{};
  const std::string text = query.getColumn(0).getString();
  auto parsed = parse_rfc3339(text);
  if (!parsed)
    return Error::make(ErrorKind::storage, "corrupt",
                       "The database holds an unreadable time '" + clip(text) + "' in orders.");
  return std::optional<TimePoint>(*parsed);
}

} // namespace

Result<std::optional<orders::Order>> SqliteOrderStore::find(std::string_view out_recharge_no) {
  std::lock_guard lock(mu_);
  return guarded("read the order '" + clip(out_recharge_no) + "'", db_.path(),
                 [&]() -> Result<std::optional<orders::Order>> {
                   auto query = statements_->get(Sql::find_by_out_recharge_no);
                   query->bind(":out_recharge_no", std::string(out_recharge_no));
                   return read_optional_order(*query);
                 });
}

Result<std::optional<orders::Order>> SqliteOrderStore::find_by_id(std::int64_t id) {
  std::lock_guard lock(mu_);
  return guarded("read order " + std::to_string(id), db_.path(), [&]() -> Result<std::optional<orders::Order>> {
    auto query = statements_->get(Sql::find_by_id);
    query->bind(":id", id);
    return read_optional_order(*query);
  });
}

Result<std::vector<orders::OrderEvent>> SqliteOrderStore::events(std::int64_t order_id) {
  std::lock_guard lock(mu_);
  return guarded("read the events of order " + std::to_string(order_id), db_.path(),
                 [&]() -> Result<std::vector<orders::OrderEvent>> {
                   auto query = statements_->get(Sql::events_of_order);
                   query->bind(":order_id", order_id);
                   return read_events(*query);
                 });
}

Result<std::vector<NotificationRecord>> SqliteOrderStore::notifications(std::string_view out_recharge_no) {
  std::lock_guard lock(mu_);
  return guarded("read the notifications of order '" + clip(out_recharge_no) + "'", db_.path(),
                 [&]() -> Result<std::vector<NotificationRecord>> {
                   auto query = statements_->get(Sql::notifications_of_order);
                   query->bind(":out_recharge_no", std::string(out_recharge_no));
                   return read_notifications(*query);
                 });
}

Result<std::vector<FundReturnRecord>> SqliteOrderStore::fund_returns(std::int64_t order_id) {
  std::lock_guard lock(mu_);
  return guarded("read the fund returns of order " + std::to_string(order_id), db_.path(),
                 [&]() -> Result<std::vector<FundReturnRecord>> {
                   auto query = statements_->get(Sql::fund_returns_of_order);
                   query->bind(":order_id", order_id);
                   return read_fund_returns(*query);
                 });
}

Result<std::vector<orders::Order>> SqliteOrderStore::due(TimePoint now, int limit) {
  if (limit <= 0) return std::vector<orders::Order>{};
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // the daemon's view (dispatch, /healthz) of a replaced file
  return guarded("read the due orders", db_.path(), [&]() -> Result<std::vector<orders::Order>> {
    auto query = statements_->get(Sql::due);
    query->bind(":now", format_utc(now));
    query->bind(":limit", limit);
    return read_orders(*query);
  });
}

// One daemon per SQLite database (storage/daemon_lock.hpp): there is nobody to lease against.
Result<std::vector<orders::Order>> SqliteOrderStore::claim_due(TimePoint now, int limit, const std::string&, TimePoint) {
  return due(now, limit);
}

Result<bool> SqliteOrderStore::claim_visit(std::int64_t, TimePoint, const std::string&, TimePoint) { return true; }

Status SqliteOrderStore::end_visit(std::int64_t, const std::string&) { return {}; }

Result<std::int64_t> SqliteOrderStore::release_visits(const std::string&) { return std::int64_t{0}; }

Result<std::vector<orders::Order>> SqliteOrderStore::unscheduled_open(int limit) {
  if (limit <= 0) return std::vector<orders::Order>{};
  std::lock_guard lock(mu_);
  return guarded("read the unscheduled open orders", db_.path(), [&]() -> Result<std::vector<orders::Order>> {
    auto query = statements_->get(Sql::unscheduled_open);
    query->bind(":limit", limit);
    return read_orders(*query);
  });
}

Result<ListPage> SqliteOrderStore::list(const ListFilter& filter) {
  if (filter.limit <= 0) return ListPage{};
  const rules::ListWhere f = rules::list_where(filter, [](int) { return std::string("?"); });
  // Newest first; `id` breaks ties of equal creation times, so every order is on exactly one page.
  const std::string sql = "SELECT " + std::string(order_columns()) + " FROM orders" + f.where +
                          " ORDER BY created_at DESC, id DESC LIMIT ?";
  std::lock_guard lock(mu_);
  return guarded("list orders", db_.path(), [&]() -> Result<ListPage> {
    SQLite::Statement query(db_.native(), sql);
    int index = 1;
    for (const auto& value : f.values) query.bind(index++, value);
    query.bind(index, filter.limit + 1); // one more than asked: is there a next page?
    RECHARGED_TRY(auto rows, read_orders(query));
    return rules::page_of(std::move(rows), filter);
  });
}

Result<Counts> SqliteOrderStore::counts(TimePoint now) {
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // the daemon's view (dispatch, /healthz) of a replaced file
  return guarded("count the orders", db_.path(), [&]() -> Result<Counts> {
    Counts c;
    for (const OrderState s : orders::k_order_states) c.by_state[s] = 0;
    SQLite::Transaction snapshot(db_.native(), SQLite::TransactionBehavior::DEFERRED); // one consistent view
    {
      auto query = statements_->get(Sql::count_by_state);
      while (query->executeStep())
        if (const auto s = orders::parse_order_state(query->getColumn(0).getString()))
          c.by_state[*s] = query->getColumn(1).getInt64();
    }
    {
      auto query = statements_->get(Sql::count_due);
      query->bind(":now", format_utc(now));
      c.due = query->executeStep() ? query->getColumn(0).getInt64() : 0;
    }
    {
      auto query = statements_->get(Sql::oldest_open_created_at);
      RECHARGED_TRY(c.oldest_open_created_at, single_time(*query));
    }
    {
      auto query = statements_->get(Sql::next_due_at);
      RECHARGED_TRY(c.next_due_at, single_time(*query));
    }
    snapshot.commit();
    return c;
  });
}

} // namespace recharged::storage
