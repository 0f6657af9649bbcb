#pragma once

#include "core/result.hpp"
#include "orders/notification_outcome.hpp"
#include "orders/order.hpp"
#include "storage/database.hpp"
#include "storage/order_update.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::storage {

struct ClaimResult {
  orders::Order order; // as stored after the attempt
  bool claimed = false; // false: the order is not NEW, or another holder's lease is still running
};

struct InsertResult {
  orders::Order order;
  bool created = false; // false: the out_recharge_no already existed and nothing was changed
};

// A notification as received, kept for de-duplication and audit.
struct NotificationRecord {
  std::string id;             // the notification's own id (unique)
  std::string event_type;     // kept verbatim, known or not
  std::string out_recharge_no;
  TimePoint received_at{};
  TimePoint create_time{};
  std::string summary;
  std::string resource;       // the decrypted resource JSON (no secrets)
  orders::NotificationOutcome outcome = orders::NotificationOutcome::ignored; // one of the recorded ones
};

struct NotificationResult {
  bool duplicate = false; // the id was seen before: nothing was written
  bool applied = false;   // an update was decided and written
  orders::NotificationOutcome outcome = orders::NotificationOutcome::ignored; // as recorded (a duplicate: the first's)
};

// What a notification means for the order it names, decided from that order as stored at the moment of
// recording: the outcome to record with it and the update to make, if any.
struct NotificationDecision {
  orders::NotificationOutcome outcome = orders::NotificationOutcome::ignored;
  std::optional<OrderUpdate> update;
};
// Called inside the recording transaction with the order (nullopt when there is none by that number); must
// not call the store. An error aborts the recording.
using NotificationJudge = std::function<Result<NotificationDecision>(const std::optional<orders::Order>& order)>;

// A position in a listing (newest first): the last order of the previous page.
struct ListCursor {
  TimePoint created_at{};
  std::int64_t id = 0;
};
// The cursor as text ("2026-11-23T02:00:00.000Z~123"), and back; a malformed text is invalid input naming `field`.
[[nodiscard]] std::string format_cursor(const ListCursor& cursor);
[[nodiscard]] Result<ListCursor> parse_cursor(std::string_view text, const std::string& field);

// Filters for `recharged list` (all optional, ANDed). Results newest first.
struct ListFilter {
  std::vector<orders::OrderState> states;
  std::optional<std::string> sub_mchid;
  std::optional<TimePoint> created_since; // inclusive
  std::optional<TimePoint> created_until; // exclusive
  std::optional<ListCursor> after;        // continue after this order (a previous page's next_cursor)
  int limit = 100;
};

// One page of a listing: at most `limit` orders, and where the next page starts (nullopt: this was the last).
struct ListPage {
  std::vector<orders::Order> orders;
  std::optional<ListCursor> next;
};

struct Counts {
  std::map<orders::OrderState, std::int64_t> by_state; // every state present, zeros included
  std::int64_t due = 0;                                  // open orders with next_poll_at <= now
  std::optional<TimePoint> oldest_open_created_at;
  std::optional<TimePoint> next_due_at;                  // earliest next_poll_at among open orders
};

// RECHARGING orders not queried since their settlement window passed: the detection-SLA signal.
struct SettlementLag {
  std::int64_t qr = 0;            // QR/online-bank capable, accepted > 3 min ago, no query since then
  std::int64_t bank_transfer = 0; // bank capable, accepted > 10 min ago, no query since; counted while interbank is open
};

// Every read and write of orders, events and notifications, on either backend (SqliteOrderStore,
// PgOrderStore); one contract test suite holds both to the same behaviour. Each write is one transaction, durable
// (synced) before the call returns — except a commit() of observations only (durability_of, in
// storage/order_update.hpp), which may be lost to a power loss at the price of an early poll.
// Implementations are thread-safe.
class OrderStore {
public:
  virtual ~OrderStore() = default;

  // Write-ahead: inserts the NEW row and a `created` event (source apply). If the out_recharge_no exists,
  // returns the stored order with created=false and writes nothing.
  // The order's apply_lease_until/owner are stored with it: its creator holds the apply lease.
  [[nodiscard]] virtual Result<InsertResult> insert_new(const orders::Order& order, TimePoint now) = 0;
  // Takes the apply lease of NEW order `id` until `until` for `owner` when nobody holds a running one. Only the
  // lease holder may send the order's apply (after querying, when it is a recovery).
  [[nodiscard]] virtual Result<ClaimResult> claim_apply(std::int64_t id, TimePoint now, TimePoint until,
                                                        const std::string& owner) = 0;

  // Group commit: applies every update in one transaction, synced when any of them must be (durability_of).
  // Result[i] is the order as stored after update i, or
  // nullopt when its guard did not hold: such an update writes nothing (not even its events). A storage failure
  // rolls back all.
  // A state change without expect_state, or one orders::transition_allowed forbids, is a caller bug: the
  // call fails with Error{internal} before writing anything. A multi-step path (NEW → RECHARGING → SUCCESS)
  // is consecutive updates in one batch, each expecting the state the previous one set.
  [[nodiscard]] virtual Result<Committed> commit(std::span<const OrderUpdate> updates) = 0;
  [[nodiscard]] Result<std::optional<orders::Order>> commit_one(const OrderUpdate& update);

  // Records a notification and what `judge` decides from its order (record.out_recharge_no) in one
  // transaction: the order is read, judged and written with nothing able to move it in between, and the
  // record keeps the decision's outcome. A duplicate id calls nothing and writes nothing (duplicate=true).
  // A judge error, a forbidden update or one whose guard does not hold against the order it was shown writes
  // nothing and fails.
  [[nodiscard]] virtual Result<NotificationResult> record_notification(NotificationRecord record,
                                                                       const NotificationJudge& judge) = 0;
  // The same with a decision made beforehand: record.outcome and `update` (whose guard must hold).
  [[nodiscard]] Result<NotificationResult> record_notification(const NotificationRecord& record,
                                                               const std::optional<OrderUpdate>& update);

  [[nodiscard]] virtual Result<std::optional<orders::Order>> find(std::string_view out_recharge_no) = 0;
  [[nodiscard]] virtual Result<std::optional<orders::Order>> find_by_id(std::int64_t id) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<orders::OrderEvent>> events(std::int64_t order_id) = 0;
  [[nodiscard]] virtual Result<std::vector<NotificationRecord>> notifications(std::string_view out_recharge_no) = 0;
  [[nodiscard]] virtual Result<std::vector<FundReturnRecord>> fund_returns(std::int64_t order_id) = 0;

  // Open orders (NEW, RECHARGING, CLOSING) with next_poll_at <= now, earliest next_poll_at first (the most
  // overdue — the nearest deadline — first), at most `limit`. Uses the next-poll index; never scans all orders.
  [[nodiscard]] virtual Result<std::vector<orders::Order>> due(TimePoint now, int limit) = 0;
  // Due orders for one visiting daemon, `owner` (its node id): up to `limit` of them as due() orders them, each
  // now leased to `owner` until `until`, so that no two daemons visit one order at once. Orders under a lease
  // that has not ended are skipped, never waited for — the owner's own too: a visit ends with end_visit, or when
  // its lease runs out, which is how a daemon killed mid-visit loses its orders to the others. SQLite: one daemon
  // per database (the daemon lock), so nothing is leased and this is due().
  [[nodiscard]] virtual Result<std::vector<orders::Order>> claim_due(TimePoint now, int limit, const std::string& owner,
                                                                     TimePoint until) = 0;
  // Leases order `id` alone to `owner` until `until` (a visit a notification asks for), unless a lease on it is
  // still running. Whether it is now `owner`'s. SQLite: always.
  [[nodiscard]] virtual Result<bool> claim_visit(std::int64_t id, TimePoint now, const std::string& owner,
                                                 TimePoint until) = 0;
  // Ends `owner`'s visit of order `id` (its outcome is recorded): the order is anyone's when next due. A lease
  // that is no longer `owner`'s is left alone.
  [[nodiscard]] virtual Status end_visit(std::int64_t id, const std::string& owner) = 0;
  // Ends every visit lease `owner` holds (a clean stop: the other daemons take its orders at once). How many.
  [[nodiscard]] virtual Result<std::int64_t> release_visits(const std::string& owner) = 0;
  // Open orders without a next_poll_at, e.g. NEW rows left by a crash (recovery), at most `limit`.
  [[nodiscard]] virtual Result<std::vector<orders::Order>> unscheduled_open(int limit) = 0;
  [[nodiscard]] virtual Result<ListPage> list(const ListFilter& filter) = 0;
  [[nodiscard]] virtual Result<Counts> counts(TimePoint now) = 0;
  [[nodiscard]] virtual Result<SettlementLag> settlement_lag(TimePoint now, bool interbank_open) = 0;
  // "ok", or what the backend's own check finds wrong in the orders table and its indexes — every page the
  // daemon reads to find, poll and update orders.
  [[nodiscard]] virtual Result<std::string> check_orders_table() = 0;
  // SQLite: a passive WAL checkpoint between the store's other uses. A backend without a WAL of ours to
  // manage reports nothing to do.
  [[nodiscard]] virtual Result<Database::Checkpoint> checkpoint() = 0;
};

} // namespace recharged::storage
