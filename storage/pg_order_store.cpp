#include "storage/pg_order_store.hpp"

#include "storage/order_rows.hpp"
#include "storage/order_sql.hpp"
#include "storage/order_store_rules.hpp"
#include "storage/pg_statement.hpp"
#include "storage/pg_transaction.hpp"

#include <algorithm>
#include <array>
#include <tuple>

namespace recharged::storage {
namespace {

using orders::OrderState;
using rules::clip;
using rules::order_label;

// The statements of order_sql.cpp in PostgreSQL's words: parameters cast where the server cannot infer their
// type, ids from RETURNING, and the updated row read back by RETURNING in the same round trip.
constexpr std::string_view k_insert_order = R"(
INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency, notify_url,
                    channels, remark, state, created_at, updated_at, next_poll_at, next_poll_reason, close_after,
                    apply_lease_until, apply_lease_owner)
VALUES (:out_recharge_no, :sub_mchid, :recharge_scene, :account_type, :amount::bigint, :currency, :notify_url,
        :channels, :remark, 'NEW', :now::timestamptz, :now::timestamptz, :next_poll_at::timestamptz,
        :next_poll_reason, :close_after::timestamptz, :apply_lease_until::timestamptz, :apply_lease_owner)
ON CONFLICT (out_recharge_no) DO NOTHING
RETURNING {order_columns})";

// One statement for every change, as Sql::update_order: NULL leaves a column alone, the WHERE clause is the
// compare-and-set guard, and an order that is not open afterwards has no next poll.
constexpr std::string_view k_update_order = R"(
UPDATE orders SET
  state               = COALESCE(:new_state::text, state),
  final_at            = CASE WHEN :new_state::text IN {terminal_states} THEN :updated_at::timestamptz
                             ELSE final_at END,
  updated_at          = :updated_at::timestamptz,
  recharge_id         = COALESCE(:recharge_id::text, recharge_id),
  recharge_url        = COALESCE(:recharge_url::text, recharge_url),
  platform_state      = COALESCE(:platform_state::text, platform_state),
  platform_state_desc = COALESCE(:platform_state_desc::text, platform_state_desc),
  recharge_channel    = COALESCE(:recharge_channel::text, recharge_channel),
  applied_at          = COALESCE(:applied_at::timestamptz, applied_at),
  accept_time         = COALESCE(:accept_time::timestamptz, accept_time),
  success_time        = COALESCE(:success_time::timestamptz, success_time),
  close_time          = COALESCE(:close_time::timestamptz, close_time),
  last_poll_at        = COALESCE(:last_poll_at::timestamptz, last_poll_at),
  next_poll_at        = CASE WHEN COALESCE(:new_state::text, state) NOT IN {open_states} THEN NULL
                             WHEN :set_next_poll::integer = 1 THEN :next_poll_at::timestamptz
                             ELSE next_poll_at END,
  next_poll_reason    = COALESCE(:next_poll_reason::text, next_poll_reason),
  close_after         = COALESCE(:close_after::timestamptz, close_after),
  poll_count          = poll_count + :poll_count_delta::integer,
  failure_streak      = COALESCE(:failure_streak::integer, failure_streak),
  last_error          = COALESCE(:last_error::text, last_error),
  apply_lease_until   = CASE WHEN :release_apply_lease::integer = 1 THEN NULL
                             ELSE COALESCE(:apply_lease_until::timestamptz, apply_lease_until) END
WHERE id = :id::bigint AND (:expect_state::text IS NULL OR state = :expect_state::text)
RETURNING {order_columns})";

constexpr std::string_view k_claim_apply = R"(
UPDATE orders SET apply_lease_until = :until::timestamptz, apply_lease_owner = :owner, updated_at = :now::timestamptz
WHERE id = :id::bigint AND state = 'NEW' AND (apply_lease_until IS NULL OR apply_lease_until <= :now::timestamptz)
RETURNING {order_columns})";

constexpr std::string_view k_insert_event = R"(
INSERT INTO order_events (order_id, at, source, kind, old_state, new_state, endpoint, http_status, request_id,
                          error_code, message, evidence, latency_ms)
VALUES (:order_id::bigint, :at::timestamptz, :source, :kind, :old_state::text, :new_state::text, :endpoint,
        :http_status::integer, :request_id, :error_code, :message, :evidence, :latency_ms::bigint))";

constexpr std::string_view k_insert_fund_return = R"(
INSERT INTO fund_returns (order_id, recharge_returned_id, recharge_channel, amount, currency, return_time,
                          return_reason, bank_name, bank_card_tail, bank_account_name, received_at)
VALUES (:order_id::bigint, :recharge_returned_id, :recharge_channel, :amount::bigint, :currency,
        :return_time::timestamptz, :return_reason, :bank_name, :bank_card_tail, :bank_account_name,
        :received_at::timestamptz)
ON CONFLICT (recharge_returned_id) DO NOTHING)";

constexpr std::string_view k_insert_notification = R"(
INSERT INTO notifications (id, event_type, out_recharge_no, order_id, received_at, create_time, summary,
                           resource, outcome)
VALUES (:id, :event_type, :out_recharge_no::text,
        (SELECT id FROM orders WHERE out_recharge_no = :out_recharge_no::text),
        :received_at::timestamptz, :create_time::timestamptz, :summary, :resource, :outcome)
ON CONFLICT (id) DO NOTHING)";

// The due orders nobody else is visiting, leased to :owner in the same statement. SKIP LOCKED: rows another node is
// claiming at this moment are passed over, not waited for, so claims from several nodes never queue.
constexpr std::string_view k_claim_due = R"(
UPDATE orders SET visit_owner = :owner, visit_lease_until = :until::timestamptz
WHERE id IN (SELECT id FROM orders
             WHERE next_poll_at IS NOT NULL AND next_poll_at <= :now::timestamptz
               AND (visit_lease_until IS NULL OR visit_lease_until <= :now::timestamptz)
             ORDER BY next_poll_at, id LIMIT :limit::integer
             FOR UPDATE SKIP LOCKED)
RETURNING {order_columns})";

// Feed ids must grow in commit order: a reader that has seen id N must never later find a smaller id committed.
// Identity values are handed out at insert, not at commit, so every transaction that writes feed rows first takes
// this transaction-level lock ('feedlock' in ASCII); it commits before the next one gets its ids.
constexpr std::int64_t k_feed_order_lock = 0x666565646c6f636b;

// Settlement windows: QR within 3 minutes, bank transfer usually within 10 (while interbank is open).
constexpr std::string_view k_settlement_lag = R"(
SELECT
  count(*) FILTER (WHERE (channels = '' OR channels LIKE '%QR_RECHARGE%' OR channels LIKE '%ONLINE_BANK%')
                     AND applied_at <= :now::timestamptz - interval '3 minutes'
                     AND (last_poll_at IS NULL OR last_poll_at < applied_at + interval '3 minutes')),
  count(*) FILTER (WHERE :interbank_open::integer = 1
                     AND (channels = '' OR channels LIKE '%BANK_TRANSFER%')
                     AND applied_at <= :now::timestamptz - interval '10 minutes'
                     AND (last_poll_at IS NULL OR last_poll_at < applied_at + interval '10 minutes'))
FROM orders
WHERE state = 'RECHARGING' AND applied_at IS NOT NULL)";

enum class Q {
  insert_order, update_order, claim_apply, insert_event, insert_fund_return, insert_feed_event,
  insert_notification, notification_seen, claim_due, claim_visit, end_visit, release_visits, find_by_out_recharge_no,
  find_by_out_recharge_no_for_update, find_by_id,
  events_of_order, notifications_of_order, fund_returns_of_order, due, unscheduled_open, count_by_state,
  count_due, oldest_open_created_at, next_due_at, settlement_lag, invalid_indexes,
};
constexpr std::size_t k_q_count = static_cast<std::size_t>(Q::invalid_indexes) + 1;

std::array<pg::Statement, k_q_count> build_statements() {
  std::array<std::string, k_q_count> t;
  auto at = [&t](Q q) -> std::string& { return t[static_cast<std::size_t>(q)]; };
  at(Q::insert_order) = expand(k_insert_order);
  at(Q::update_order) = expand(k_update_order);
  at(Q::claim_apply) = expand(k_claim_apply);
  at(Q::insert_event) = k_insert_event;
  at(Q::insert_fund_return) = k_insert_fund_return;
  at(Q::insert_notification) = k_insert_notification;
  // Where SQLite's statement is also PostgreSQL's (each parameter's type follows from its column), it is shared.
  const auto shared = [&at](Q q, Sql sqlite) { at(q) = sql_text(sqlite); };
  shared(Q::insert_feed_event, Sql::insert_feed_event);
  shared(Q::notification_seen, Sql::notification_seen);
  shared(Q::find_by_out_recharge_no, Sql::find_by_out_recharge_no);
  shared(Q::find_by_id, Sql::find_by_id);
  shared(Q::events_of_order, Sql::events_of_order);
  shared(Q::fund_returns_of_order, Sql::fund_returns_of_order);
  shared(Q::due, Sql::due);
  shared(Q::unscheduled_open, Sql::unscheduled_open);
  shared(Q::count_by_state, Sql::count_by_state);
  shared(Q::count_due, Sql::count_due);
  shared(Q::oldest_open_created_at, Sql::oldest_open_created_at);
  shared(Q::next_due_at, Sql::next_due_at);
  // A notification's order, locked until the recording commits: another node's poll or notification of the
  // same order waits, then re-checks its compare-and-set guard against what this one wrote.
  at(Q::find_by_out_recharge_no_for_update) = std::string(sql_text(Sql::find_by_out_recharge_no)) + " FOR UPDATE";
  // SQLite breaks ties by rowid; notifications have no such column here, and their ids are unique.
  at(Q::notifications_of_order) =
      "SELECT id, event_type, out_recharge_no, received_at, create_time, summary, resource, outcome "
      "FROM notifications WHERE out_recharge_no = :out_recharge_no ORDER BY received_at, id";
  at(Q::claim_due) = expand(k_claim_due);
  at(Q::claim_visit) = "UPDATE orders SET visit_owner = :owner, visit_lease_until = :until::timestamptz "
                       "WHERE id = :id::bigint AND (visit_lease_until IS NULL OR visit_lease_until <= :now::timestamptz)";
  at(Q::end_visit) = "UPDATE orders SET visit_lease_until = NULL WHERE id = :id::bigint AND visit_owner = :owner";
  at(Q::release_visits) = "UPDATE orders SET visit_lease_until = NULL "
                          "WHERE visit_owner = :owner AND visit_lease_until IS NOT NULL";
  at(Q::settlement_lag) = k_settlement_lag;
  at(Q::invalid_indexes) = "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "WHERE i.indrelid = 'orders'::regclass AND NOT (i.indisvalid AND i.indisready) "
                           "ORDER BY c.relname";
  std::array<pg::Statement, k_q_count> compiled;
  for (std::size_t i = 0; i < k_q_count; ++i) compiled[i] = pg::compile(t[i]);
  return compiled;
}

const pg::Statement& statement(Q which) {
  static const std::array<pg::Statement, k_q_count> table = build_statements();
  return table[static_cast<std::size_t>(which)];
}

// Reads every row of `rows` with `read`.
template <class T>
Result<std::vector<T>> read_all(const pg::Rows& rows, Result<T> (*read)(const Columns&)) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) {
    RECHARGED_TRY(T value, read(pg::RowColumns(rows, r)));
    out.push_back(std::move(value));
  }
  return out;
}

Result<std::optional<orders::Order>> first_order(const pg::Rows& rows) {
  if (rows.size() == 0) return std::optional<orders::Order>{};
  RECHARGED_TRY(orders::Order order, read_order(pg::RowColumns(rows, 0)));
  return std::optional<orders::Order>(std::move(order));
}

Result<std::optional<TimePoint>> single_time(const pg::Rows& rows) {
  if (rows.size() == 0 || rows.is_null(0, 0)) return std::optional<TimePoint>{};
  const std::string text = rows.text(0, 0);
  auto parsed = parse_rfc3339(text);
  if (!parsed)
    return Error::make(ErrorKind::storage, "corrupt", "The database holds an unreadable time '" + clip(text) + "' in orders.");
  return std::optional<TimePoint>(*parsed);
}

constexpr std::string_view k_begin = "BEGIN";
constexpr std::string_view k_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

Status insert_events(pg::Connection& db, std::int64_t order_id, const std::vector<orders::OrderEvent>& events) {
  for (const auto& e : events) {
    pg::NamedParams p(statement(Q::insert_event));
    bind_event(p, order_id, e);
    RECHARGED_CHECK(p.exec(db));
  }
  return {};
}

Status insert_feed_event(pg::Connection& db, std::int64_t order_id, orders::FeedType type, TimePoint at,
                         const std::string& data) {
  const std::vector<pg::Param> key{std::to_string(k_feed_order_lock)};
  RECHARGED_CHECK(db.exec("SELECT pg_advisory_xact_lock($1::bigint)", key)); // held until this transaction ends
  pg::NamedParams p(statement(Q::insert_feed_event));
  p.integer(":order_id", order_id);
  p.text(":type", std::string(orders::to_string(type)));
  p.text(":at", format_utc(at));
  p.text(":data", data);
  RECHARGED_CHECK(p.exec(db));
  return {};
}

// Inside the caller's transaction: the compare-and-set UPDATE and, only when it matched, the events, the fund
// return and their feed rows (the transactional outbox). The order as stored afterwards, or nullopt.
Result<std::optional<orders::Order>> write_update(pg::Connection& db, const OrderUpdate& u) {
  pg::NamedParams update(statement(Q::update_order));
  bind_update(update, u);
  RECHARGED_TRY(const pg::Rows rows, update.exec(db));
  RECHARGED_TRY(auto stored, first_order(rows));
  if (!stored) return stored; // the guard did not hold
  RECHARGED_CHECK(insert_events(db, u.order_id, u.events));
  if (u.new_state && u.new_state != u.expect_state)
    if (const auto type = rules::feed_type_of(*u.new_state))
      RECHARGED_CHECK(insert_feed_event(db, u.order_id, *type, u.updated_at, rules::feed_data(*stored)));
  if (u.fund_return) {
    pg::NamedParams insert(statement(Q::insert_fund_return));
    bind_fund_return(insert, u.order_id, *u.fund_return);
    RECHARGED_TRY(const pg::Rows inserted, insert.exec(db));
    if (inserted.affected() == 1) // a repeat of a known recharge_returned_id is no news
      RECHARGED_CHECK(insert_feed_event(db, u.order_id, orders::FeedType::fund_returned, u.updated_at,
                                        rules::feed_data(*stored, &*u.fund_return)));
  }
  return stored;
}

Result<std::optional<orders::Order>> find_one(pg::Connection& db, Q which, const char* name, const pg::Param& value) {
  pg::NamedParams p(statement(which));
  if (value) p.text(name, *value);
  else p.null(name);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db));
  return first_order(rows);
}

Result<std::optional<orders::Order>> by_id(pg::Connection& db, std::int64_t id) {
  return find_one(db, Q::find_by_id, ":id", std::to_string(id));
}

} // namespace

PgOrderStore::PgOrderStore(pg::Connection& connection) : db_(connection) {}

PgOrderStore::~PgOrderStore() = default;

Result<InsertResult> PgOrderStore::insert_new(const orders::Order& order, TimePoint now) {
  if (order.state != OrderState::new_order)
    return Error::invalid("state", "Only NEW orders can be recorded; order '" + clip(order.out_recharge_no) +
                                       "' is " + std::string(orders::to_string(order.state)) + ".");
  std::lock_guard lock(mu_);
  return pg::in_transaction(db_, k_begin, "record the new order '" + clip(order.out_recharge_no) + "'",
                        [&]() -> Result<InsertResult> {
                          pg::NamedParams insert(statement(Q::insert_order));
                          bind_new_order(insert, order, now);
                          RECHARGED_TRY(const pg::Rows rows, insert.exec(db_));
                          RECHARGED_TRY(auto created, first_order(rows));
                          if (!created) { // it existed, or another node's insert of it committed first
                            RECHARGED_TRY(auto existing, find_one(db_, Q::find_by_out_recharge_no,
                                                                  ":out_recharge_no", order.out_recharge_no));
                            if (!existing)
                              return Error::make(ErrorKind::internal, "lost_row",
                                                 "The order '" + clip(order.out_recharge_no) + "' vanished.");
                            return InsertResult{std::move(*existing), false};
                          }
                          RECHARGED_CHECK(insert_events(db_, created->id, {rules::created_event(now)}));
                          return InsertResult{std::move(*created), true};
                        });
}

Result<ClaimResult> PgOrderStore::claim_apply(std::int64_t id, TimePoint now, TimePoint until, const std::string& owner) {
  std::lock_guard lock(mu_);
  return pg::in_transaction(db_, k_begin, "claim the apply of " + order_label(id), [&]() -> Result<ClaimResult> {
    pg::NamedParams claim(statement(Q::claim_apply));
    claim.integer(":id", id);
    claim.text(":now", format_utc(now));
    claim.text(":until", format_utc(until));
    claim.text(":owner", owner);
    RECHARGED_TRY(const pg::Rows rows, claim.exec(db_));
    RECHARGED_TRY(auto claimed, first_order(rows));
    if (claimed) return ClaimResult{std::move(*claimed), true};
    RECHARGED_TRY(auto stored, by_id(db_, id));
    if (!stored) return Error::make(ErrorKind::internal, "missing", "The " + order_label(id) + " vanished.");
    return ClaimResult{std::move(*stored), false};
  });
}

Result<Committed> PgOrderStore::commit(std::span<const OrderUpdate> updates) {
  RECHARGED_CHECK(rules::check_updates(updates));
  if (updates.empty()) return Committed{};
  std::lock_guard lock(mu_);
  return pg::in_transaction(db_, k_begin, "commit " + std::to_string(updates.size()) + " order update(s)",
                        [&]() -> Result<Committed> {
                          if (rules::batch_durability(updates) == Durability::unsynced)
                            RECHARGED_CHECK(db_.exec("SET LOCAL synchronous_commit = off"));
                          Committed stored;
                          stored.reserve(updates.size());
                          for (const auto& u : updates) {
                            RECHARGED_TRY(auto order, write_update(db_, u));
                            stored.push_back(std::move(order));
                          }
                          return stored;
                        });
}

Result<NotificationResult> PgOrderStore::record_notification(NotificationRecord record, const NotificationJudge& judge) {
  std::lock_guard lock(mu_);
  return pg::in_transaction(
      db_, k_begin, "record the notification '" + clip(record.id) + "'", [&]() -> Result<NotificationResult> {
        const auto seen = [&]() -> Result<std::optional<orders::NotificationOutcome>> {
          pg::NamedParams p(statement(Q::notification_seen));
          p.text(":id", record.id);
          RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
          if (rows.size() == 0) return std::optional<orders::NotificationOutcome>{};
          RECHARGED_TRY(const auto first, recorded_outcome(rows.text(0, 0)));
          return std::optional<orders::NotificationOutcome>(first);
        };
        RECHARGED_TRY(const auto earlier, seen());
        if (earlier) return NotificationResult{true, false, *earlier};
        std::optional<orders::Order> order;
        if (!record.out_recharge_no.empty()) {
          RECHARGED_TRY(order, find_one(db_, Q::find_by_out_recharge_no_for_update, ":out_recharge_no",
                                        record.out_recharge_no));
        }
        RECHARGED_TRY(NotificationDecision decision, judge(order));
        if (decision.update) RECHARGED_CHECK(rules::check_update(*decision.update));
        record.outcome = decision.outcome;
        pg::NamedParams insert(statement(Q::insert_notification));
        bind_notification(insert, record);
        RECHARGED_TRY(const pg::Rows inserted, insert.exec(db_));
        if (inserted.affected() == 0) { // another node recorded the same id since we looked: theirs stands
          RECHARGED_CHECK(db_.exec("ROLLBACK"));
          RECHARGED_CHECK(db_.exec(k_begin));
          RECHARGED_TRY(const auto first, seen());
          return NotificationResult{true, false, first.value_or(record.outcome)};
        }
        std::optional<orders::Order> updated;
        if (decision.update) {
          RECHARGED_TRY(updated, write_update(db_, *decision.update));
        }
        if (decision.update && !updated)
          return Error::make(ErrorKind::internal, "stale_decision",
                             "The notification '" + clip(record.id) + "' was judged against another state of " +
                                 order_label(decision.update->order_id) +
                                 " than the stored one; nothing was written."); // rolled back
        return NotificationResult{false, decision.update.has_value(), record.outcome};
      });
}

Result<std::optional<orders::Order>> PgOrderStore::find(std::string_view out_recharge_no) {
  std::lock_guard lock(mu_);
  return find_one(db_, Q::find_by_out_recharge_no, ":out_recharge_no", std::string(out_recharge_no));
}

Result<std::optional<orders::Order>> PgOrderStore::find_by_id(std::int64_t id) {
  std::lock_guard lock(mu_);
  return by_id(db_, id);
}

Result<std::vector<orders::OrderEvent>> PgOrderStore::events(std::int64_t order_id) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::events_of_order));
  p.integer(":order_id", order_id);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return read_all(rows, read_event);
}

Result<std::vector<NotificationRecord>> PgOrderStore::notifications(std::string_view out_recharge_no) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::notifications_of_order));
  p.text(":out_recharge_no", std::string(out_recharge_no));
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return read_all(rows, read_notification);
}

Result<std::vector<FundReturnRecord>> PgOrderStore::fund_returns(std::int64_t order_id) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::fund_returns_of_order));
  p.integer(":order_id", order_id);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return read_all(rows, read_fund_return);
}

Result<std::vector<orders::Order>> PgOrderStore::due(TimePoint now, int limit) {
  if (limit <= 0) return std::vector<orders::Order>{};
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::due));
  p.text(":now", format_utc(now));
  p.integer(":limit", limit);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return read_all(rows, read_order);
}

Result<std::vector<orders::Order>> PgOrderStore::claim_due(TimePoint now, int limit, const std::string& owner,
                                                         TimePoint until) {
  if (limit <= 0) return std::vector<orders::Order>{};
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::claim_due));
  p.text(":owner", owner);
  p.text(":until", format_utc(until));
  p.text(":now", format_utc(now));
  p.integer(":limit", limit);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  RECHARGED_TRY(auto claimed, read_all(rows, read_order));
  // RETURNING follows no ORDER BY: put them back in due() order.
  std::sort(claimed.begin(), claimed.end(), [](const orders::Order& a, const orders::Order& b) {
    return std::tie(*a.next_poll_at, a.id) < std::tie(*b.next_poll_at, b.id);
  });
  return claimed;
}

Result<bool> PgOrderStore::claim_visit(std::int64_t id, TimePoint now, const std::string& owner, TimePoint until) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::claim_visit));
  p.integer(":id", id);
  p.text(":now", format_utc(now));
  p.text(":owner", owner);
  p.text(":until", format_utc(until));
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return rows.affected() == 1;
}

Status PgOrderStore::end_visit(std::int64_t id, const std::string& owner) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::end_visit));
  p.integer(":id", id);
  p.text(":owner", owner);
  RECHARGED_CHECK(p.exec(db_));
  return {};
}

Result<std::int64_t> PgOrderStore::release_visits(const std::string& owner) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::release_visits));
  p.text(":owner", owner);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return rows.affected();
}

Result<std::vector<orders::Order>> PgOrderStore::unscheduled_open(int limit) {
  if (limit <= 0) return std::vector<orders::Order>{};
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::unscheduled_open));
  p.integer(":limit", limit);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  return read_all(rows, read_order);
}

Result<ListPage> PgOrderStore::list(const ListFilter& filter) {
  if (filter.limit <= 0) return ListPage{};
  const rules::ListWhere where = rules::list_where(filter, [](int n) { return "$" + std::to_string(n); });
  // Newest first; `id` breaks ties of equal creation times, so every order is on exactly one page.
  const std::string sql = "SELECT " + std::string(order_columns()) + " FROM orders" + where.where +
                          " ORDER BY created_at DESC, id DESC LIMIT $" + std::to_string(where.values.size() + 1);
  std::vector<pg::Param> values(where.values.begin(), where.values.end());
  values.emplace_back(std::to_string(filter.limit + 1)); // one more than asked: is there a next page?
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec(sql, values));
  RECHARGED_TRY(auto orders, read_all(rows, read_order));
  return rules::page_of(std::move(orders), filter);
}

Result<Counts> PgOrderStore::counts(TimePoint now) {
  std::lock_guard lock(mu_);
  return pg::in_transaction(db_, k_snapshot, "count the orders", [&]() -> Result<Counts> {
    Counts c;
    for (const OrderState s : orders::k_order_states) c.by_state[s] = 0;
    RECHARGED_TRY(const pg::Rows by_state, db_.exec(statement(Q::count_by_state).sql));
    for (int r = 0; r < by_state.size(); ++r)
      if (const auto s = orders::parse_order_state(by_state.text(r, 0))) c.by_state[*s] = by_state.integer(r, 1);
    pg::NamedParams due(statement(Q::count_due));
    due.text(":now", format_utc(now));
    RECHARGED_TRY(const pg::Rows due_rows, due.exec(db_));
    c.due = due_rows.size() > 0 ? due_rows.integer(0, 0) : 0;
    RECHARGED_TRY(const pg::Rows oldest, db_.exec(statement(Q::oldest_open_created_at).sql));
    RECHARGED_TRY(c.oldest_open_created_at, single_time(oldest));
    RECHARGED_TRY(const pg::Rows next, db_.exec(statement(Q::next_due_at).sql));
    RECHARGED_TRY(c.next_due_at, single_time(next));
    return c;
  });
}

Result<SettlementLag> PgOrderStore::settlement_lag(TimePoint now, bool interbank_open) {
  std::lock_guard lock(mu_);
  pg::NamedParams p(statement(Q::settlement_lag));
  p.text(":now", format_utc(now));
  p.integer(":interbank_open", interbank_open ? 1 : 0);
  RECHARGED_TRY(const pg::Rows rows, p.exec(db_));
  SettlementLag lag;
  if (rows.size() > 0) {
    lag.qr = rows.integer(0, 0);
    lag.bank_transfer = rows.integer(0, 1);
  }
  return lag;
}

Result<std::string> PgOrderStore::check_orders_table() {
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec(statement(Q::invalid_indexes).sql));
  if (rows.size() == 0) return std::string("ok");
  std::string found = "invalid index(es) on orders:";
  for (int r = 0; r < rows.size(); ++r) found += " " + rows.text(r, 0);
  return found + " (REINDEX them)";
}

Result<Database::Checkpoint> PgOrderStore::checkpoint() { return Database::Checkpoint{}; }

} // namespace recharged::storage
