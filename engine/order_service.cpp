#include "engine/order_service.hpp"

#include "engine/order_recorder.hpp"
#include "engine/order_request.hpp"
#include "logging/event_line.hpp"
#include "wxpay/validation.hpp"

#include <spdlog/logger.h>

#include <chrono>

namespace recharged::engine {

using orders::EventSource;
using orders::Order;
using orders::OrderState;
using wxpay::Endpoint;

namespace {

// A NEW row's first recovery visit: long enough for an in-flight apply (client timeout) to finish first.
constexpr Millis k_apply_grace = std::chrono::minutes{2};

CallMeta meta_of(Endpoint endpoint, EventSource source, Millis latency) {
  CallMeta m;
  m.endpoint = endpoint;
  m.source = source;
  m.latency = latency;
  return m;
}

template <class T>
CallMeta meta_of(Endpoint endpoint, EventSource source, Millis latency, const wxpay::Answer<T>& answer) {
  CallMeta m = meta_of(endpoint, source, latency);
  m.http_status = answer.http_status;
  m.request_id = answer.request_id;
  m.body = answer.body;
  return m;
}

CallMeta meta_of(Endpoint endpoint, EventSource source, Millis latency, const Error& error) {
  CallMeta m = meta_of(endpoint, source, latency);
  m.http_status = error.http_status;
  m.request_id = error.request_id;
  return m;
}

} // namespace

OrderService::OrderService(ServiceContext ctx) : ctx_(std::move(ctx)) {}

template <class T, class Call>
Result<wxpay::Answer<T>> OrderService::call(Endpoint endpoint, Millis& latency, Call&& fn) {
  if (!ctx_.gate.enter(endpoint))
    return Error::make(ErrorKind::retryable, "stopping", "The call was not made because recharged is stopping.");
  const auto started = std::chrono::steady_clock::now();
  Result<wxpay::Answer<T>> result = fn();
  latency = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  ctx_.gate.leave(endpoint, result ? nullptr : &result.error());
  return result;
}

void OrderService::log_events(const Order& order, const storage::OrderUpdate& update) {
  if (!ctx_.log) return;
  for (const auto& e : update.events) {
    if (e.kind == orders::EventKind::state_changed && e.old_state && e.new_state) {
      logging::EventLine line("order_state_changed");
      line.kv("out_recharge_no", order.out_recharge_no).kv("sub_mchid", order.sub_mchid)
          .kv("old", orders::to_string(*e.old_state)).kv("new", orders::to_string(*e.new_state))
          .kv("source", orders::to_string(e.source)).kv("amount_fen", order.amount);
      if (!e.request_id.empty()) line.kv("request_id", e.request_id);
      line.kv("reason", e.message);
      ctx_.log->info(line.str());
    } else if (e.kind == orders::EventKind::alert) {
      logging::EventLine line("order_alert");
      line.kv("out_recharge_no", order.out_recharge_no).kv("sub_mchid", order.sub_mchid)
          .kv("state", orders::to_string(order.state)).kv("source", orders::to_string(e.source)).kv("reason", e.message);
      ctx_.log->warn(line.str());
    }
  }
}

Result<Order> OrderService::save(const Order& order, std::vector<storage::OrderUpdate> updates) {
  RECHARGED_TRY(const std::vector<bool> applied, ctx_.sink.commit(updates));
  Order result = order;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    if (!applied[i]) {
      // Someone else recorded a change first; theirs stands. Report the order as stored.
      RECHARGED_TRY(auto fresh, ctx_.store.find_by_id(order.id));
      if (!fresh) return Error::make(ErrorKind::internal, "missing", "The order " + order.out_recharge_no + " vanished.");
      return std::move(*fresh);
    }
    log_events(result, updates[i]);
    result = apply_update(std::move(result), updates[i]);
  }
  return result;
}

Result<Order> OrderService::record_error(const Order& order, const Error& error, Endpoint endpoint, EventSource source) {
  const CallMeta meta = meta_of(endpoint, source, Millis{0}, error);
  RECHARGED_TRY(const Order saved, save(order, {record_failure(order, error, meta, ctx_.planner, ctx_.clock.now())}));
  (void)saved;
  return error;
}

Result<Order> OrderService::load(std::string_view out_recharge_no) {
  if (auto ok = wxpay::validate_out_recharge_no(out_recharge_no); !ok) return std::move(ok).error();
  RECHARGED_TRY(auto found, ctx_.store.find(out_recharge_no));
  if (!found)
    return Error::make(ErrorKind::not_found, "unknown_order",
                       "There is no order '" + std::string(out_recharge_no) + "' in the database.");
  return std::move(*found);
}

Result<Order> OrderService::apply(const wxpay::ApplyRequest& request) {
  if (auto ok = wxpay::validate(request); !ok) return std::move(ok).error();
  const TimePoint now = ctx_.clock.now();
  Order fresh = order_from_request(request, now);
  fresh.close_after = ctx_.planner.close_deadline(fresh);
  fresh.next_poll_at = now + k_apply_grace;
  fresh.next_poll_reason = "recover: apply in flight";
  RECHARGED_TRY(storage::InsertResult inserted, ctx_.store.insert_new(fresh, now));
  if (inserted.created) return submit_apply(inserted.order, EventSource::apply);
  const Order& existing = inserted.order;
  if (const std::string diff = request_difference(existing, request); !diff.empty())
    return Error::invalid("out_recharge_no", "The out_recharge_no '" + request.out_recharge_no +
                                                 "' already belongs to a different order (its " + diff +
                                                 "); choose a new number.");
  if (existing.state != OrderState::new_order) return existing;
  return recover(existing, EventSource::recovery, Recovery::may_apply);
}

Result<Order> OrderService::submit_apply(const Order& order, EventSource source) {
  Millis latency{0};
  auto answer = call<wxpay::ApplyResponse>(Endpoint::apply, latency,
                                           [&] { return ctx_.api.apply(request_from_order(order)); });
  const TimePoint now = ctx_.clock.now();
  if (answer) {
    return save(order, record_applied(order, answer->value, meta_of(Endpoint::apply, source, latency, *answer),
                                      ctx_.planner, now));
  }
  const Error& error = answer.error();
  const CallMeta meta = meta_of(Endpoint::apply, source, latency, error);
  if (error.kind == ErrorKind::permanent) return save(order, {record_rejected(order, error, meta, now)});
  if (error.kind == ErrorKind::invalid_input) return error;
  RECHARGED_TRY(const Order failed, save(order, {record_failure(order, error, meta, ctx_.planner, now)}));
  if (error.kind != ErrorKind::ambiguous) return error;
  // The platform may have the order: learn its state by query before anything else (never apply twice).
  auto resolved = recover(failed, EventSource::recovery, Recovery::query_only);
  if (resolved && resolved->state != OrderState::new_order) return resolved;
  Error e = error;
  e.message = "The apply for " + order.out_recharge_no + " may or may not have reached WeChat Pay (" + error.message +
              ") and a follow-up query could not settle it. The order stays NEW and is resolved by query before any "
              "new apply: re-run the same command, or let the daemon do it.";
  return e;
}

Result<Order> OrderService::query_and_record(const Order& order, EventSource source, const NotFound& not_found) {
  Millis latency{0};
  auto answer = call<wxpay::MchDeposit>(Endpoint::query, latency,
                                        [&] { return ctx_.api.query(order.sub_mchid, order.out_recharge_no); });
  const TimePoint now = ctx_.clock.now();
  if (answer)
    return save(order, record_view(order, answer->value, meta_of(Endpoint::query, source, latency, *answer),
                                   ctx_.planner, now));
  const Error& error = answer.error();
  if (error.kind == ErrorKind::not_found) return not_found(meta_of(Endpoint::query, source, latency, error), now);
  return record_error(order, error, Endpoint::query, source);
}

Result<Order> OrderService::recover(const Order& order, EventSource source, Recovery mode) {
  return query_and_record(order, source, [&](const CallMeta& meta, TimePoint now) -> Result<Order> {
    const bool applying = mode == Recovery::may_apply;
    const std::string note = applying ? "not known to the platform (it never received the apply): applying"
                                      : "not known to the platform (it never received the apply)";
    storage::OrderUpdate update = record_note(order, note, meta, ctx_.planner, now);
    if (applying) {
      // As for a fresh apply: if this process dies with the call in flight, nobody may take "not found" for
      // "never received" (and apply again) before the call has surely landed or failed.
      update.next_poll_at = now + k_apply_grace;
      update.next_poll_reason = "recover: apply in flight";
    }
    RECHARGED_TRY(const Order noted, save(order, {std::move(update)}));
    if (applying && noted.state == OrderState::new_order) return submit_apply(noted, source);
    return noted;
  });
}

Result<Order> OrderService::poll(const Order& order, EventSource source) {
  return query_and_record(order, source, [&](const CallMeta& meta, TimePoint now) {
    const std::string why = "the platform does not know an order we hold as " + std::string(orders::to_string(order.state));
    return save(order, {record_alert(order, why, meta, ctx_.planner, now)});
  });
}

Result<Order> OrderService::sync(std::string_view out_recharge_no, EventSource source) {
  RECHARGED_TRY(const Order order, load(out_recharge_no));
  if (order.state == OrderState::new_order) return recover(order, source, Recovery::query_only);
  return poll(order, source);
}

Result<Order> OrderService::close(std::string_view out_recharge_no, EventSource source) {
  RECHARGED_TRY(Order order, load(out_recharge_no));
  if (orders::is_terminal(order.state)) return order;
  if (order.state == OrderState::suspect)
    return Error::make(ErrorKind::permanent, "suspect",
                       "The order " + order.out_recharge_no + " is SUSPECT (" + order.last_error +
                           "); it is held for a human and recharged will not close it.");
  if (order.state == OrderState::new_order) {
    RECHARGED_TRY(order, recover(order, source, Recovery::query_only));
    if (order.state == OrderState::new_order)
      return Error::make(ErrorKind::not_found, "not_at_platform",
                         "The order " + order.out_recharge_no +
                             " never reached WeChat Pay, so there is nothing to close; it stays NEW.");
  }
  if (order.state == OrderState::closing) return close_and_confirm(order, source);
  return close_procedure(std::move(order), source);
}

Result<Order> OrderService::close_procedure(Order order, EventSource source) {
  // Final query: an order paid at the last moment is recorded SUCCESS and never closed.
  RECHARGED_TRY(order, poll(order, source));
  if (order.state != OrderState::recharging) return order;
  const std::string why = source == EventSource::close
                              ? "stale: closing an unpaid order before the platform's 7-day link expiry"
                              : "closing on operator request";
  RECHARGED_TRY(order, save(order, {record_decision(order, OrderState::closing, source, why, ctx_.planner,
                                                    ctx_.clock.now())}));
  if (order.state != OrderState::closing) return order;
  return close_and_confirm(order, source);
}

Result<Order> OrderService::close_and_confirm(const Order& order, EventSource source) {
  Millis latency{0};
  auto answer = call<wxpay::MchDeposit>(Endpoint::close, latency,
                                        [&] { return ctx_.api.close(order.sub_mchid, order.out_recharge_no); });
  Order current = order;
  if (answer) {
    RECHARGED_TRY(current, save(order, record_view(order, answer->value,
                                                   meta_of(Endpoint::close, source, latency, *answer), ctx_.planner,
                                                   ctx_.clock.now())));
  } else {
    // A refused or failed close proves nothing (e.g. it was paid meanwhile): the query below decides.
    const CallMeta meta = meta_of(Endpoint::close, source, latency, answer.error());
    RECHARGED_TRY(current, save(order, {record_failure(order, answer.error(), meta, ctx_.planner, ctx_.clock.now())}));
  }
  if (current.state == OrderState::suspect) return current;
  // Confirm with a query even when the close answer looked final.
  return poll(current, source);
}

Result<Order> OrderService::revisit_closing(const Order& order) {
  RECHARGED_TRY(const Order seen, poll(order, EventSource::close));
  if (seen.state == OrderState::closing && seen.platform_state == "RECHARGING") return close_and_confirm(seen, EventSource::close);
  return seen;
}

Result<Order> OrderService::work(const Order& order) {
  switch (order.state) {
  case OrderState::new_order: return recover(order, EventSource::recovery, Recovery::may_apply);
  case OrderState::recharging:
    if (ctx_.clock.now() >= order.close_after) return close_procedure(order, EventSource::close);
    return poll(order, EventSource::poll);
  case OrderState::closing: return revisit_closing(order);
  default: return order;
  }
}

} // namespace recharged::engine
