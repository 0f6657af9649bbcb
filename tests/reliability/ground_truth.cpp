#include "tests/reliability/ground_truth.hpp"

#include "orders/lifecycle.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "wxpay/codec.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace recharged::test {
namespace {

using orders::OrderState;

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

std::string name(OrderState s) { return std::string(orders::to_string(s)); }

// What the local state must be for a platform state.
std::optional<OrderState> expected_state(sandbox::RechargeState s) {
  switch (s) {
  case sandbox::RechargeState::success: return OrderState::success;
  case sandbox::RechargeState::closed: return OrderState::closed;
  case sandbox::RechargeState::recharging: return OrderState::recharging;
  }
  return std::nullopt;
}

// A move into SUCCESS or CLOSED must rest on a verified view that says so, about this very order.
void check_evidence(const orders::Order& o, const orders::OrderEvent& e, std::vector<std::string>& out) {
  const std::string who = o.out_recharge_no + " event " + std::to_string(e.id);
  if (e.evidence.empty()) {
    out.push_back(who + " moves to " + name(*e.new_state) + " without evidence");
    return;
  }
  auto view = wxpay::decode_mch_deposit(e.evidence);
  if (!view) {
    out.push_back(who + " has evidence that is not a platform view: " + view.error().message);
    return;
  }
  if (view->recharge_state.text != name(*e.new_state))
    out.push_back(who + " moves to " + name(*e.new_state) + " on evidence saying " + view->recharge_state.text);
  if (view->out_recharge_no != o.out_recharge_no || view->sub_mchid != o.sub_mchid ||
      (view->recharge_amount.amount && *view->recharge_amount.amount != o.amount))
    out.push_back(who + " rests on evidence about another order, sub-merchant or amount");
}

// "id at source kind endpoint status code: message" per event, for a problem report.
std::string timeline(const std::vector<orders::OrderEvent>& events) {
  std::string out;
  for (const auto& e : events)
    out += "\n      " + std::to_string(e.id) + " " + format_utc(e.at) + " " + std::string(orders::to_string(e.source)) +
           " " + std::string(orders::to_string(e.kind)) + " " + e.endpoint + " " + std::to_string(e.http_status) + " " +
           e.error_code + ": " + e.message.substr(0, 100);
  return out;
}

} // namespace

DatabaseSnapshot read_database(const std::filesystem::path& path) {
  DatabaseSnapshot snap;
  {
    storage::DatabaseOptions o;
    o.path = path;
    o.read_only = true;
    o.busy_timeout = Millis{10'000};
    auto db = must(storage::Database::open(o, storage::MigrationMode::require_current), "open the database");
    storage::SqliteOrderStore store(*db);
    storage::ListFilter all;
    all.limit = 10'000'000;
    snap.orders = must(store.list(all), "list orders").orders;
    std::reverse(snap.orders.begin(), snap.orders.end());
    for (const auto& order : snap.orders) snap.events.push_back(must(store.events(order.id), "read events"));
    snap.integrity = must(db->integrity_check(), "integrity_check");
  }
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement ids(raw, "SELECT id FROM notifications ORDER BY id");
  while (ids.executeStep()) snap.notification_ids.push_back(ids.getColumn(0).getString());
  snap.notifications = static_cast<std::int64_t>(snap.notification_ids.size());
  return snap;
}

std::vector<std::string> event_problems(const orders::Order& o, const std::vector<orders::OrderEvent>& events) {
  std::vector<std::string> out;
  const std::string& no = o.out_recharge_no;
  if (events.empty() || events.front().kind != orders::EventKind::created ||
      events.front().new_state != OrderState::new_order) {
    out.push_back(no + " does not start with a `created` event entering NEW");
    return out;
  }
  OrderState state = OrderState::new_order;
  int finals = 0;
  for (std::size_t i = 1; i < events.size(); ++i) {
    const orders::OrderEvent& e = events[i];
    if (e.id <= events[i - 1].id) out.push_back(no + " has events out of order");
    if (e.kind == orders::EventKind::created) out.push_back(no + " has a second `created` event");
    if (e.kind != orders::EventKind::state_changed) continue;
    if (!e.old_state || !e.new_state) {
      out.push_back(no + " event " + std::to_string(e.id) + " changes state without naming both states");
      continue;
    }
    if (*e.old_state != state)
      out.push_back(no + " event " + std::to_string(e.id) + " leaves " + name(*e.old_state) + " but the order was " +
                    name(state));
    if (!orders::transition_allowed(*e.old_state, *e.new_state))
      out.push_back(no + " event " + std::to_string(e.id) + " makes the forbidden move " + name(*e.old_state) + " → " +
                    name(*e.new_state));
    if (*e.new_state == OrderState::success || *e.new_state == OrderState::closed) check_evidence(o, e, out);
    if (orders::is_terminal(*e.new_state)) ++finals;
    state = *e.new_state;
  }
  if (finals > 1) out.push_back(no + " enters a final state " + std::to_string(finals) + " times");
  if (state != o.state) out.push_back(no + " is " + name(o.state) + " but its events end in " + name(state));
  if (!orders::is_open(o.state) && o.next_poll_at) out.push_back(no + " is " + name(o.state) + " but has a next poll");
  return out;
}

std::vector<std::string> truth_problems(const DatabaseSnapshot& db, const sandbox::Platform& platform,
                                        const TruthOptions& options) {
  std::vector<std::string> out;
  std::map<std::string, sandbox::OrderTruth> truths;
  for (auto& t : platform.orders()) truths.emplace(t.deposit.out_recharge_no, std::move(t));
  if (platform.counters().duplicate_applies != 0)
    out.push_back(std::to_string(platform.counters().duplicate_applies) +
                  " apply calls were refused as duplicates (an order was applied again)");
  std::map<std::string, std::size_t> local;
  for (std::size_t i = 0; i < db.orders.size(); ++i) local.emplace(db.orders[i].out_recharge_no, i);
  for (const auto& [no, t] : truths) {
    const auto it = local.find(no);
    if (it == local.end()) out.push_back("the platform has " + no + ", which the database does not know");
    if (t.applies != 1)
      out.push_back(no + " was applied " + std::to_string(t.applies) + " times at the platform; its events:" +
                    (it == local.end() ? std::string(" none") : timeline(db.events[it->second])));
  }
  for (const auto& o : db.orders) {
    const std::string& no = o.out_recharge_no;
    if (o.state == OrderState::suspect || o.state == OrderState::rejected)
      out.push_back(no + " is " + name(o.state) + ": " + o.last_error);
    if (options.require_final && o.state != OrderState::success && o.state != OrderState::closed)
      out.push_back(no + " is still " + name(o.state));
    const auto it = truths.find(no);
    if (it == truths.end()) {
      out.push_back(no + " (" + name(o.state) + ") was never created at the platform");
      continue;
    }
    const sandbox::MchDeposit& d = it->second.deposit;
    const std::string platform_state(sandbox::to_string(d.recharge_state));
    const auto want = expected_state(d.recharge_state);
    if (!want || (o.state != *want && (options.require_final || orders::is_terminal(o.state))))
      out.push_back(no + " is " + name(o.state) + " locally but " + platform_state + " at the platform");
    if (o.recharge_id != d.recharge_id) out.push_back(no + " has recharge_id '" + o.recharge_id + "', the platform '" + d.recharge_id + "'");
    if (o.amount != d.recharge_amount.amount || o.sub_mchid != d.sub_mchid)
      out.push_back(no + " differs from the platform in amount or sub-merchant");
    if (orders::is_terminal(o.state) && o.platform_state != platform_state)
      out.push_back(no + " records platform_state " + o.platform_state + ", the platform says " + platform_state);
    if (o.state == OrderState::success) {
      if (!d.recharge_channel || o.recharge_channel != sandbox::to_string(*d.recharge_channel))
        out.push_back(no + " records channel '" + o.recharge_channel + "' unlike the platform");
      if (!o.success_time || !d.success_time ||
          std::chrono::floor<std::chrono::seconds>(*o.success_time) != std::chrono::floor<std::chrono::seconds>(*d.success_time))
        out.push_back(no + " records a success_time unlike the platform's");
    }
  }
  return out;
}

namespace {

bool near_a_kill(TimePoint at, const TrailOptions& o) {
  return std::any_of(o.kills.begin(), o.kills.end(), [&](TimePoint k) {
    return at >= k - o.kill_window && at <= k + o.kill_window;
  });
}

// One order: its recorded calls against the platform's log. Returns how many answered calls were lost at kills.
std::size_t trail_of_order(const orders::Order& o, const std::vector<orders::OrderEvent>& events,
                           const std::vector<sandbox::CallRecord>& calls, const TrailOptions& options,
                           std::vector<std::string>& out) {
  const std::string& no = o.out_recharge_no;
  std::map<std::string, std::string> recorded;           // Request-ID → endpoint, as the platform sent it
  std::map<std::string, std::size_t> failed_without_id;  // endpoint → rows of calls that got no answer
  for (const auto& e : events) {
    if (e.endpoint.empty()) continue;
    if (e.request_id.empty()) {
      ++failed_without_id[e.endpoint];
      continue;
    }
    const auto genuine = options.substituted.find(e.request_id);
    recorded.emplace(genuine == options.substituted.end() ? e.request_id : genuine->second, e.endpoint);
  }
  std::map<std::string, std::size_t> dropped; // endpoint → calls the platform never answered
  std::set<std::string> sent;
  std::size_t lost = 0;
  for (const auto& call : calls) {
    if (call.request_id.empty()) {
      ++dropped[call.endpoint];
      continue;
    }
    sent.insert(call.request_id);
    const auto it = recorded.find(call.request_id);
    if (it != recorded.end() && it->second == call.endpoint) continue;
    if (near_a_kill(call.at, options)) {
      ++lost;
      continue;
    }
    out.push_back(no + ": the platform answered its " + call.endpoint + " call at " + format_utc(call.at) +
                  " (HTTP " + std::to_string(call.status) + ", Request-ID " + call.request_id +
                  ") but order_events has no row for it");
  }
  for (const auto& [id, endpoint] : recorded)
    if (!sent.contains(id))
      out.push_back(no + ": order_events names the " + endpoint + " Request-ID " + id +
                    ", which the platform never sent for this order");
  for (const auto& [endpoint, n] : dropped) {
    const std::size_t rows = failed_without_id[endpoint];
    if (rows >= n) continue;
    const std::size_t missing = n - rows;
    lost += missing;
    if (options.kills.empty())
      out.push_back(no + ": the platform dropped " + std::to_string(n) + " " + endpoint + " call(s) but only " +
                    std::to_string(rows) + " failed call(s) without an answer are recorded");
  }
  return lost;
}

} // namespace

std::vector<std::string> trail_problems(const DatabaseSnapshot& db, const sandbox::Server& server,
                                        const TrailOptions& options) {
  std::vector<std::string> out;
  std::size_t lost = 0;
  for (std::size_t i = 0; i < db.orders.size(); ++i)
    lost += trail_of_order(db.orders[i], db.events[i], server.calls(db.orders[i].out_recharge_no), options, out);
  if (lost > options.max_lost)
    out.push_back(std::to_string(lost) + " answered calls are missing from order_events around the kills, more than "
                  "the " + std::to_string(options.max_lost) + " that can have been in flight when a process died");
  return out;
}

std::vector<std::string> audit(const DatabaseSnapshot& db, const sandbox::Platform& platform,
                               const TruthOptions& options) {
  std::vector<std::string> out = truth_problems(db, platform, options);
  for (std::size_t i = 0; i < db.orders.size(); ++i)
    for (auto& p : event_problems(db.orders[i], db.events[i])) out.push_back(std::move(p));
  if (db.integrity != "ok") out.push_back("PRAGMA integrity_check says: " + db.integrity);
  return out;
}

std::string describe(const std::vector<std::string>& problems, std::size_t max) {
  std::string s = std::to_string(problems.size()) + " problem(s)";
  for (std::size_t i = 0; i < problems.size() && i < max; ++i) s += "\n  " + problems[i];
  if (problems.size() > max) s += "\n  …";
  return s;
}

} // namespace recharged::test
