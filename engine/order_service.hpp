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
};

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
class OrderService {
public:
  explicit OrderService(ServiceContext ctx);

  [[nodiscard]] Result<orders::Order> apply(const wxpay::ApplyRequest& request);
  [[nodiscard]] Result<orders::Order> sync(std::string_view out_recharge_no, orders::EventSource source);
  [[nodiscard]] Result<orders::Order> close(std::string_view out_recharge_no, orders::EventSource source);
  [[nodiscard]] Result<orders::Order> work(const orders::Order& order);

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

  // Commits `updates`; returns the order as stored afterwards (re-read when a guard failed: someone else —
  // a notification, another process — changed it first, and their record stands).
  Result<orders::Order> save(const orders::Order& order, std::vector<storage::OrderUpdate> updates);
  Result<orders::Order> record_error(const orders::Order& order, const Error& error, wxpay::Endpoint endpoint,
                                     orders::EventSource source);
  void log_events(const orders::Order& order, const storage::OrderUpdate& update);

  template <class T, class Call>
  Result<wxpay::Answer<T>> call(wxpay::Endpoint endpoint, Millis& latency, Call&& fn);

  ServiceContext ctx_;
};

} // namespace recharged::engine
