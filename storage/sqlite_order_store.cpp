#include "storage/sqlite_order_store.hpp"

#include "storage/order_rows.hpp"
#include "storage/order_sql.hpp"
#include "storage/order_store_rules.hpp"
#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace recharged::storage {
namespace {

using orders::OrderState;
using rules::check_update;
using rules::check_updates;
using rules::clip;
using rules::order_label;

void insert_events(StatementCache& sql, std::int64_t order_id, const std::vector<orders::OrderEvent>& events) {
  for (const auto& e : events) {
    auto insert = sql.get(Sql::insert_event);
    SqliteParams params(*insert);
    bind_event(params, order_id, e);
    insert->exec();
  }
}

void insert_feed_event(StatementCache& sql, std::int64_t order_id, orders::FeedType type, TimePoint at,
                       const std::string& data) {
  auto insert = sql.get(Sql::insert_feed_event);
  insert->bind(":order_id", order_id);
  insert->bind(":type", std::string(orders::to_string(type)));
  insert->bind(":at", format_utc(at));
  insert->bind(":data", data);
  insert->exec();
}

// Inside the caller's transaction: the compare-and-set UPDATE, then (only if it matched) the events, the fund
// return and their feed rows: the transactional outbox, so no change is committed without the message that
// announces it, nor a message without its change. Returns the order as stored afterwards, or nullopt when the
// guard did not hold.
Result<std::optional<orders::Order>> write_update(StatementCache& sql, const OrderUpdate& u) {
  {
    auto update = sql.get(u.new_state ? Sql::update_order : Sql::update_order_keep_state);
    SqliteParams params(*update);
    bind_update(params, u);
    if (update->exec() == 0) return std::optional<orders::Order>(); // the guard did not hold
  }
  std::optional<orders::Order> stored;
  {
    auto find = sql.get(Sql::find_by_id);
    find->bind(":id", u.order_id);
    RECHARGED_TRY(stored, read_optional_order(*find));
    if (!stored) return Error::make(ErrorKind::internal, "lost_row", "The " + order_label(u.order_id) + " vanished.");
  }
  insert_events(sql, u.order_id, u.events);
  if (u.new_state && u.new_state != u.expect_state)
    if (const auto type = rules::feed_type_of(*u.new_state))
      insert_feed_event(sql, u.order_id, *type, u.updated_at, rules::feed_data(*stored));
  if (u.fund_return) {
    auto insert = sql.get(Sql::insert_fund_return);
    SqliteParams params(*insert);
    bind_fund_return(params, u.order_id, *u.fund_return);
    if (insert->exec() == 1) // a repeat of a known recharge_returned_id is no news
      insert_feed_event(sql, u.order_id, orders::FeedType::fund_returned, u.updated_at,
                        rules::feed_data(*stored, &*u.fund_return));
  }
  return stored;
}

} // namespace

SqliteOrderStore::SqliteOrderStore(Database& db)
    : db_(db), statements_(std::make_unique<StatementCache>(db.native())) {}

SqliteOrderStore::~SqliteOrderStore() = default;

Result<InsertResult> SqliteOrderStore::insert_new(const orders::Order& order, TimePoint now) {
  if (order.state != OrderState::new_order)
    return Error::invalid("state", "Only NEW orders can be recorded; order '" + clip(order.out_recharge_no) +
                                       "' is " + std::string(orders::to_string(order.state)) + ".");
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // never write into a file that was replaced
  return guarded("record the new order '" + clip(order.out_recharge_no) + "'", db_.path(),
                 [&]() -> Result<InsertResult> {
                   db_.require_synced(); // the write-ahead row, durable before the apply call
                   SQLite::Transaction tx(db_.native(), SQLite::TransactionBehavior::IMMEDIATE);
                   {
                     auto find = statements_->get(Sql::find_by_out_recharge_no);
                     find->bind(":out_recharge_no", order.out_recharge_no);
                     RECHARGED_TRY(auto existing, read_optional_order(*find));
                     if (existing) return InsertResult{std::move(*existing), false};
                   }
                   {
                     auto insert = statements_->get(Sql::insert_order);
                     SqliteParams params(*insert);
                     bind_new_order(params, order, now);
                     insert->exec();
                   }
                   const std::int64_t id = db_.native().getLastInsertRowid();
                   insert_events(*statements_, id, {rules::created_event(now)});
                   std::optional<orders::Order> stored;
                   {
                     auto find = statements_->get(Sql::find_by_id);
                     find->bind(":id", id);
                     RECHARGED_TRY(stored, read_optional_order(*find));
                   }
                   if (!stored) return Error::make(ErrorKind::internal, "lost_row", "The new order vanished.");
                   tx.commit();
                   return InsertResult{std::move(*stored), true};
                 });
}

Result<ClaimResult> SqliteOrderStore::claim_apply(std::int64_t id, TimePoint now, TimePoint until, const std::string& owner) {
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // never write into a file that was replaced
  return guarded("claim the apply of " + order_label(id), db_.path(), [&]() -> Result<ClaimResult> {
    db_.require_synced();
    SQLite::Transaction tx(db_.native(), SQLite::TransactionBehavior::IMMEDIATE);
    bool claimed = false;
    {
      auto claim = statements_->get(Sql::claim_apply);
      claim->bind(":id", id);
      claim->bind(":now", format_utc(now));
      claim->bind(":until", format_utc(until));
      claim->bind(":owner", owner);
      claimed = claim->exec() == 1;
    }
    std::optional<orders::Order> stored;
    {
      auto find = statements_->get(Sql::find_by_id);
      find->bind(":id", id);
      RECHARGED_TRY(stored, read_optional_order(*find));
    }
    if (!stored) return Error::make(ErrorKind::internal, "missing", "The " + order_label(id) + " vanished.");
    tx.commit();
    return ClaimResult{std::move(*stored), claimed};
  });
}

Result<Committed> SqliteOrderStore::commit(std::span<const OrderUpdate> updates) {
  RECHARGED_CHECK(check_updates(updates));
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // never write into a file that was replaced
  return guarded("commit " + std::to_string(updates.size()) + " order update(s)", db_.path(),
                 [&]() -> Result<Committed> {
                   Committed stored;
                   if (updates.empty()) return stored;
                   stored.reserve(updates.size());
                   std::optional<Database::UnsyncedCommits> unsynced;
                   if (rules::batch_durability(updates) == Durability::unsynced) unsynced.emplace(db_);
                   else db_.require_synced();
                   SQLite::Transaction tx(db_.native(), SQLite::TransactionBehavior::IMMEDIATE);
                   for (const auto& u : updates) {
                     RECHARGED_TRY(auto order, write_update(*statements_, u));
                     stored.push_back(std::move(order));
                   }
                   tx.commit(); // synced: one fsync for the whole batch (the group commit)
                   return stored;
                 });
}

Result<NotificationResult> SqliteOrderStore::record_notification(NotificationRecord record, const NotificationJudge& judge) {
  std::lock_guard lock(mu_);
  RECHARGED_CHECK(db_.check_in_place()); // never write into a file that was replaced
  return guarded("record the notification '" + clip(record.id) + "'", db_.path(),
                 [&]() -> Result<NotificationResult> {
                   db_.require_synced(); // durable before the platform hears it was received
                   SQLite::Transaction tx(db_.native(), SQLite::TransactionBehavior::IMMEDIATE);
                   {
                     auto seen = statements_->get(Sql::notification_seen);
                     seen->bind(":id", record.id);
                     if (seen->executeStep()) {
                       RECHARGED_TRY(const auto first, recorded_outcome(seen->getColumn(0).getString()));
                       return NotificationResult{true, false, first};
                     }
                   }
                   std::optional<orders::Order> order;
                   if (!record.out_recharge_no.empty()) {
                     auto find = statements_->get(Sql::find_by_out_recharge_no);
                     find->bind(":out_recharge_no", record.out_recharge_no);
                     RECHARGED_TRY(order, read_optional_order(*find));
                   }
                   RECHARGED_TRY(NotificationDecision decision, judge(order));
                   if (decision.update) RECHARGED_CHECK(check_update(*decision.update));
                   record.outcome = decision.outcome;
                   {
                     auto insert = statements_->get(Sql::insert_notification);
                     SqliteParams params(*insert);
                     bind_notification(params, record);
                     insert->exec();
                   }
                   std::optional<orders::Order> updated;
                   if (decision.update) {
                     RECHARGED_TRY(updated, write_update(*statements_, *decision.update));
                   }
                   if (decision.update && !updated)
                     return Error::make(ErrorKind::internal, "stale_decision",
                                        "The notification '" + clip(record.id) + "' was judged against another state "
                                        "of " + order_label(decision.update->order_id) + " than the stored one; "
                                        "nothing was written."); // the transaction rolls back
                   tx.commit();
                   return NotificationResult{false, decision.update.has_value(), record.outcome};
                 });
}

Result<std::string> SqliteOrderStore::check_orders_table() {
  std::lock_guard lock(mu_);
  return db_.integrity_check(true, "orders");
}

Result<Database::Checkpoint> SqliteOrderStore::checkpoint() {
  std::lock_guard lock(mu_);
  return db_.checkpoint();
}

} // namespace recharged::storage
