#include "storage/order_sql.hpp"

#include "orders/order.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>
#include <utility>

namespace recharged::storage {
namespace {

constexpr std::string_view k_order_columns =
    "id, out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency, notify_url, channels, "
    "remark, state, created_at, updated_at, applied_at, final_at, recharge_id, recharge_url, platform_state, "
    "platform_state_desc, recharge_channel, accept_time, success_time, close_time, poll_count, failure_streak, "
    "last_poll_at, next_poll_at, next_poll_reason, close_after, last_error, apply_lease_until, apply_lease_owner";

constexpr std::string_view k_event_columns =
    "id, order_id, at, source, kind, old_state, new_state, endpoint, http_status, request_id, error_code, "
    "message, evidence, latency_ms";

// The write-ahead row: the request and its first schedule; the state is always NEW.
constexpr std::string_view k_insert_order = R"(
INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency, notify_url,
                    channels, remark, state, created_at, updated_at, next_poll_at, next_poll_reason, close_after,
                    apply_lease_until, apply_lease_owner)
VALUES (:out_recharge_no, :sub_mchid, :recharge_scene, :account_type, :amount, :currency, :notify_url,
        :channels, :remark, 'NEW', :now, :now, :next_poll_at, :next_poll_reason, :close_after,
        :apply_lease_until, :apply_lease_owner))";

constexpr std::string_view k_update_state = R"(
  state               = COALESCE(:new_state, state),
  final_at            = CASE WHEN :new_state IN {terminal_states} THEN :updated_at ELSE final_at END,)";

// Takes the apply lease of a NEW order unless another holder's lease is still running (compare-and-set).
constexpr std::string_view k_claim_apply = R"(
UPDATE orders SET apply_lease_until = :until, apply_lease_owner = :owner, updated_at = :now
WHERE id = :id AND state = 'NEW' AND (apply_lease_until IS NULL OR apply_lease_until <= :now))";

// One statement for every change: a NULL parameter leaves its column alone. The WHERE clause is the
// compare-and-set guard; finished and SUSPECT orders always lose their next poll (the due() index invariant).
// The store reads the row back by id when it matched (a RETURNING clause costs SQLite an ephemeral table per
// call). storage::after_update is the same rule in C++ (order_update_test proves it).
// {state_columns} is k_update_state for a state change and nothing otherwise: an UPDATE that names `state`
// rewrites the state index and runs the lifecycle triggers even when the value stays the same.
constexpr std::string_view k_update_order = R"(
UPDATE orders SET{state_columns}
  updated_at          = :updated_at,
  recharge_id         = COALESCE(:recharge_id, recharge_id),
  recharge_url        = COALESCE(:recharge_url, recharge_url),
  platform_state      = COALESCE(:platform_state, platform_state),
  platform_state_desc = COALESCE(:platform_state_desc, platform_state_desc),
  recharge_channel    = COALESCE(:recharge_channel, recharge_channel),
  applied_at          = COALESCE(:applied_at, applied_at),
  accept_time         = COALESCE(:accept_time, accept_time),
  success_time        = COALESCE(:success_time, success_time),
  close_time          = COALESCE(:close_time, close_time),
  last_poll_at        = COALESCE(:last_poll_at, last_poll_at),
  next_poll_at        = CASE WHEN COALESCE(:new_state, state) NOT IN {open_states} THEN NULL
                             WHEN :set_next_poll THEN :next_poll_at
                             ELSE next_poll_at END,
  next_poll_reason    = COALESCE(:next_poll_reason, next_poll_reason),
  close_after         = COALESCE(:close_after, close_after),
  poll_count          = poll_count + :poll_count_delta,
  failure_streak      = COALESCE(:failure_streak, failure_streak),
  last_error          = COALESCE(:last_error, last_error),
  apply_lease_until   = CASE WHEN :release_apply_lease THEN NULL
                             ELSE COALESCE(:apply_lease_until, apply_lease_until) END
WHERE id = :id AND (:expect_state IS NULL OR state = :expect_state))";

constexpr std::string_view k_insert_event = R"(
INSERT INTO order_events (order_id, at, source, kind, old_state, new_state, endpoint, http_status, request_id,
                          error_code, message, evidence, latency_ms)
VALUES (:order_id, :at, :source, :kind, :old_state, :new_state, :endpoint, :http_status, :request_id,
        :error_code, :message, :evidence, :latency_ms))";

constexpr std::string_view k_insert_fund_return = R"(
INSERT INTO fund_returns (order_id, recharge_returned_id, recharge_channel, amount, currency, return_time,
                          return_reason, bank_name, bank_card_tail, bank_account_name, received_at)
VALUES (:order_id, :recharge_returned_id, :recharge_channel, :amount, :currency, :return_time,
        :return_reason, :bank_name, :bank_card_tail, :bank_account_name, :received_at)
ON CONFLICT (recharge_returned_id) DO NOTHING)";

constexpr std::string_view k_insert_notification = R"(
INSERT INTO notifications (id, event_type, out_recharge_no, order_id, received_at, create_time, summary,
                           resource, outcome)
VALUES (:id, :event_type, :out_recharge_no, (SELECT id FROM orders WHERE out_recharge_no = :out_recharge_no),
        :received_at, :create_time, :summary, :resource, :outcome)
ON CONFLICT (id) DO NOTHING)";

// "('NEW', 'RECHARGING', 'CLOSING')": the states `keep` selects, as an SQL list built from orders::, never typed.
template <class Keep>
std::string state_list(Keep keep) {
  std::string list;
  for (const orders::OrderState s : orders::k_order_states)
    if (keep(s)) list += (list.empty() ? "('" : ", '") + std::string(orders::to_string(s)) + "'";
  return list + ")";
}

} // namespace

std::string expand(std::string_view text, std::string_view state_columns) {
  const std::array<std::pair<std::string_view, std::string>, 4> names{{
      {"{state_columns}", std::string(state_columns)},
      {"{open_states}", state_list(orders::is_open)},
      {"{terminal_states}", state_list(orders::is_terminal)},
      {"{order_columns}", std::string(k_order_columns)},
  }};
  std::string out(text);
  for (const auto& [name, value] : names)
    for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at + value.size()))
      out.replace(at, name.size(), value);
  return out;
}

namespace {

std::string select_orders(std::string_view rest) {
  return "SELECT " + std::string(k_order_columns) + " FROM orders " + expand(rest);
}

std::array<std::string, k_sql_count> build_table() {
  std::array<std::string, k_sql_count> t;
  auto at = [&t](Sql s) -> std::string& { return t[static_cast<std::size_t>(s)]; };
  at(Sql::insert_order) = k_insert_order;
  at(Sql::update_order) = expand(k_update_order, k_update_state);
  at(Sql::update_order_keep_state) = expand(k_update_order);
  at(Sql::claim_apply) = k_claim_apply;
  at(Sql::insert_event) = k_insert_event;
  at(Sql::insert_fund_return) = k_insert_fund_return;
  at(Sql::insert_feed_event) = "INSERT INTO feed_events (order_id, type, at, data) VALUES (:order_id, :type, :at, :data)";
  at(Sql::insert_notification) = k_insert_notification;
  at(Sql::notification_seen) = "SELECT outcome FROM notifications WHERE id = :id";
  at(Sql::find_by_out_recharge_no) = select_orders("WHERE out_recharge_no = :out_recharge_no");
  at(Sql::find_by_id) = select_orders("WHERE id = :id");
  at(Sql::events_of_order) =
      "SELECT " + std::string(k_event_columns) + " FROM order_events WHERE order_id = :order_id ORDER BY id";
  at(Sql::notifications_of_order) =
      "SELECT id, event_type, out_recharge_no, received_at, create_time, summary, resource, outcome "
      "FROM notifications WHERE out_recharge_no = :out_recharge_no ORDER BY received_at, rowid";
  at(Sql::fund_returns_of_order) =
      "SELECT recharge_returned_id, recharge_channel, amount, currency, return_time, return_reason, bank_name, "
      "bank_card_tail, bank_account_name, received_at FROM fund_returns WHERE order_id = :order_id ORDER BY id";
  at(Sql::due) = select_orders("WHERE next_poll_at IS NOT NULL AND next_poll_at <= :now "
                               "ORDER BY next_poll_at, id LIMIT :limit");
  at(Sql::unscheduled_open) = select_orders("WHERE state IN {open_states} AND next_poll_at IS NULL "
                                            "ORDER BY created_at, id LIMIT :limit");
  at(Sql::count_by_state) = "SELECT state, count(*) FROM orders GROUP BY state";
  at(Sql::count_due) = "SELECT count(*) FROM orders WHERE next_poll_at IS NOT NULL AND next_poll_at <= :now";
  at(Sql::oldest_open_created_at) = expand("SELECT min(created_at) FROM orders WHERE state IN {open_states}");
  at(Sql::next_due_at) = "SELECT min(next_poll_at) FROM orders WHERE next_poll_at IS NOT NULL";
  return t;
}

} // namespace

std::string_view sql_text(Sql which) noexcept {
  static const std::array<std::string, k_sql_count> table = build_table();
  return table[static_cast<std::size_t>(which)];
}

std::string_view order_columns() noexcept { return k_order_columns; }

StatementCache::Lease::~Lease() {
  statement_.tryReset();
  try {
    statement_.clearBindings(); // do not keep large evidence texts alive; sqlite3_clear_bindings cannot fail
  } catch (...) {
  }
}

StatementCache::StatementCache(SQLite::Database& db) noexcept : db_(db) {}

StatementCache::~StatementCache() = default;

StatementCache::Lease StatementCache::get(Sql which) {
  auto& slot = slots_[static_cast<std::size_t>(which)];
  if (!slot) slot = std::make_unique<SQLite::Statement>(db_, std::string(sql_text(which)));
  slot->reset();
  slot->clearBindings();
  return Lease(*slot);
}

} // namespace recharged::storage
