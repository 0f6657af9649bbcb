#pragma once

#include "core/clock.hpp"
#include "engine/call_gate.hpp"
#include "engine/planner.hpp"
#include "engine/update_sink.hpp"
#include "orders/order.hpp"
#include "storage/order_store.hpp"
#include "wxpay/api_client.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

namespace recharged::engine {

struct CallMeta;

struct ServiceContext {
  storage::OrderStore& store;
  UpdateSink& sink;
  wxpay::ApiClient& api;
  CallGate& gate;
  const Planner& planner;
  const Clock& clock;
  std::shared_ptr<spdlog::logger> log; // "engine": order_state_changed, order_alert, order_call_failed
  // How long an apply call can be in flight, in the clock's time: the apply lease and the NEW row's first
  // recovery wait this long. See apply_grace().
  Millis apply_grace = std::chrono::minutes{2};
  // Who takes apply leases through this service, for `show` and for the waiting ("recharged apply (pid 4711)").
  std::string actor = "recharged";
};

// The apply grace for a platform call that may try `hosts` hosts for up to `call_timeout` each (real time), in a
// clock running `speed` times faster than real time: every host's whole timeout plus a margin to record the
// answer, and never under two minutes of the clock's time, so no process takes an apply for abandoned while it
// can still be in flight.
[[nodiscard]] Millis apply_grace(std::size_t hosts, Millis call_timeout, double speed = 1.0);

// The order procedures shared by the CLI and the daemon. Every outcome is recorded (order row + event in one
// transaction) before the procedure returns, and no procedure ever applies an order twice:
//   apply  write-ahead: the NEW row is durable before the HTTP call; a NEW order found again (crash, timeout,
//          ambiguous answer, re-run) is queried first and applied only when the platform does not know it.
//   sync   one query, recorded.
//   close  final query, RECHARGING → CLOSING, close call, confirming query: a payment that lands meanwhile is
//          recorded SUCCESS, never lost.
//   work   the daemon's visit to a due order: recover NEW, poll RECHARGING (or stale-close it), confirm CLOSING.
// Returns the order as recorded; an Error when the outcome could not be established (the order keeps a
// state from which a later visit resolves it). Thread-safe if the context's members are.
//
// Only the holder of an order's apply lease ever sends its apply (storage::OrderStore::claim_apply): the process
// that records the NEW row takes it; a recovery claims it once it is free and queries before applying. `apply` of
// a number whose NEW order someone else is applying returns that order still NEW, with the other holder's lease
// (see lease_held_by_other()); the caller may wait for it or come back later. Every call made is recorded: when
// another writer moved the order between the call and its recording, the answer is judged again against the
// order as it then stands, never dropped.
class OrderService {
public:
  explicit OrderService(ServiceContext ctx);

  [[nodiscard]] Result<orders::Order> apply(const wxpay::ApplyRequest& request);
  [[nodiscard]] Result<orders::Order> sync(std::string_view out_recharge_no, orders::EventSource source);
  [[nodiscard]] Result<orders::Order> close(std::string_view out_recharge_no, orders::EventSource source);
  [[nodiscard]] Result<orders::Order> work(const orders::Order& order);

  // True when `order` is NEW and another process's apply lease on it is still running at `now`.
  [[nodiscard]] bool lease_held_by_other(const orders::Order& order, TimePoint now) const;

private:
  enum class Recovery { may_apply, query_only };

  Result<orders::Order> load(std::string_view out_recharge_no);
  Result<orders::Order> submit_apply(const orders::Order& order, orders::EventSource source);
  // What to record when a query answers NOT_FOUND (the other outcomes are recorded the same way everywhere).
  using NotFound = std::function<Result<orders::Order>(const CallMeta& meta, TimePoint now)>;
  Result<orders::Order> query_and_record(const orders::Order& order, orders::EventSource source,
                                         const NotFound& not_found);
  Result<orders::Order> recover(const orders::Order& order, orders::EventSource source, Recovery mode);
  Result<orders::Order> poll(const orders::Order& order, orders::EventSource source);
  Result<orders::Order> close_procedure(orders::Order order, orders::EventSource source);
  Result<orders::Order> close_and_confirm(const orders::Order& order, orders::EventSource source);
  Result<orders::Order> revisit_closing(const orders::Order& order);

  // Builds what to record from the order as it stands, for save().
  using Recording = std::function<std::vector<storage::OrderUpdate>(const orders::Order& current)>;
  // Commits record(order); when a guard fails (someone else — a notification, another process — changed the
  // order first, and their record stands), re-reads the order and commits record(fresh) instead, so the call
  // behind the recording is always in the trail. Returns the order as stored afterwards.
  Result<orders::Order> save(const orders::Order& order, const Recording& record);
  // Takes the apply lease for this service's actor; the order as stored and whether it was taken.
  Result<storage::ClaimResult> claim(const orders::Order& order);
  // After the platform refused an apply for good: the refusal may also mean it already holds the order (a
  // duplicate number), so a query decides — NOT_FOUND makes the order REJECTED, anything else is recorded.
  Result<orders::Order> confirm_refusal(const orders::Order& order, const Error& refusal, orders::EventSource source);
  Result<orders::Order> record_error(const orders::Order& order, const Error& error, wxpay::Endpoint endpoint,
                                     orders::EventSource source, Millis latency);

  template <class T, class Call>
  Result<wxpay::Answer<T>> call(wxpay::Endpoint endpoint, Millis& latency, Call&& fn);

  ServiceContext ctx_;
};

} // namespace recharged::engine
