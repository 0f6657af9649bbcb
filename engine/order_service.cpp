#include "engine/order_service.hpp"

#include "engine/order_log.hpp"
#include "engine/order_recorder.hpp"
#include "engine/order_request.hpp"
#include "wxpay/validation.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <chrono>

namespace recharged::engine {

using orders::EventSource;
using orders::Order;
using orders::OrderState;
using wxpay::Endpoint;

namespace {

// Room beyond the transport's own timeouts for a process to record what its apply call returned.
constexpr Millis k_apply_margin = std::chrono::seconds{10};
constexpr Millis k_min_apply_grace = std::chrono::minutes{2};
// How often save() re-reads and re-records when other writers keep moving the order under it.
constexpr int k_save_attempts = 4;

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

Millis apply_grace(std::size_t hosts, Millis call_timeout, double speed) {
  const Millis real = call_timeout * static_cast<Millis::rep>(std::max<std::size_t>(hosts, 1)) + k_apply_margin;
  const Millis scaled{static_cast<Millis::rep>(static_cast<double>(real.count()) * std::max(speed, 1.0))};
  return std::max(k_min_apply_grace, scaled);
}

OrderService::OrderService(ServiceContext ctx) : ctx_(std::move(ctx)) {}

bool OrderService::lease_held_by_other(const Order& order, TimePoint now) const {
  return order.state == OrderState::new_order && order.apply_lease_until && *order.apply_lease_until > now &&
         order.apply_lease_owner != ctx_.actor;
}

Result<storage::ClaimResult> OrderService::claim(const Order& order) {
  const TimePoint now = ctx_.clock.now();
  return ctx_.store.claim_apply(order.id, now, now + ctx_.apply_grace, ctx_.actor);
}

template <class T, class Call>
Result<wxpay::Answer<T>> OrderService::call(Endpoint endpoint, Millis& latency, Call&& fn) {
  if (!ctx_.gate.enter(endpoint))
    return Error::make(ErrorKind::retryable, ErrorReason::stopping, "The call was not made because recharged is stopping.");
  const auto started = std::chrono::steady_clock::now();
  Result<wxpay::Answer<T>> result = fn();
  latency = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  ctx_.gate.leave(endpoint, result ? nullptr : &result.error());
  return result;
}

Result<Order> OrderService::save(const Order& order, const Recording& record) {
  Order current = order;
  for (int attempt = 1;; ++attempt) {
    std::vector<storage::OrderUpdate> updates = record(current);
    if (updates.empty()) return current;
    RECHARGED_TRY(storage::Committed stored, ctx_.sink.commit(updates));
    if (std::all_of(stored.begin(), stored.end(), [](const auto& row) { return row.has_value(); })) {
      for (std::size_t i = 0; i < updates.size(); ++i) {
        if (ctx_.log) log_order_events(*ctx_.log, current, updates[i]);
        current = std::move(*stored[i]);
      }
      return current;
    }
    // Someone else recorded a change first; theirs stands. Judge ours again against the order as stored.
    RECHARGED_TRY(auto fresh, ctx_.store.find_by_id(order.id));
    if (!fresh) return Error::make(ErrorKind::internal, "missing", "The order " + order.out_recharge_no + " vanished.");
    current = std::move(*fresh);
    if (attempt == k_save_attempts)
      return Error::make(ErrorKind::storage, "contended",
                         "The order " + order.out_recharge_no + " kept changing under this process (" +
                             std::to_string(k_save_attempts) + " attempts to record a call's outcome); it is " +
                             std::string(orders::to_string(current.state)) + " now.");
  }
}

Result<Order> OrderService::record_error(const Order& order, const Error& error, Endpoint endpoint, EventSource source,
                                         Millis latency) {
  const CallMeta meta = meta_of(endpoint, source, latency, error);
  RECHARGED_TRY(const Order saved, save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
                  return {record_failure(o, error, meta, ctx_.planner, ctx_.clock.now())};
                }));
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
  fresh.next_poll_at = now + ctx_.apply_grace;
  fresh.next_poll_reason = "recover: apply in flight";
  fresh.apply_lease_until = now + ctx_.apply_grace; // the creator holds the apply lease
  fresh.apply_lease_owner = ctx_.actor;
  RECHARGED_TRY(storage::InsertResult inserted, ctx_.store.insert_new(fresh, now));
  if (inserted.created) return submit_apply(inserted.order, EventSource::apply);
  const Order& existing = inserted.order;
  if (const std::string diff = request_difference(existing, request); !diff.empty())
    return Error::invalid("out_recharge_no", "The out_recharge_no '" + request.out_recharge_no +
                                                 "' already belongs to a different order (its " + diff +
                                                 "); choose a new number.");
  if (existing.state != OrderState::new_order) return existing;
  RECHARGED_TRY(const storage::ClaimResult claimed, claim(existing));
  // Another process is applying it right now: never a second apply; the caller may wait for its outcome.
  if (!claimed.claimed) return claimed.order;
  return recover(claimed.order, EventSource::recovery, Recovery::may_apply);
}

Result<Order> OrderService::submit_apply(const Order& order, EventSource source) {
  Millis latency{0};
  auto answer = call<wxpay::ApplyResponse>(Endpoint::apply, latency,
                                           [&] { return ctx_.api.apply(request_from_order(order)); });
  if (answer) {
    const CallMeta meta = meta_of(Endpoint::apply, source, latency, *answer);
    return save(order, [&](const Order& o) {
      return record_applied(o, answer->value, meta, ctx_.planner, ctx_.clock.now());
    });
  }
  const Error& error = answer.error();
  if (error.kind == ErrorKind::invalid_input) return error; // refused before sending: nothing to record
  const CallMeta meta = meta_of(Endpoint::apply, source, latency, error);
  RECHARGED_TRY(const Order failed, save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
                  return {record_failure(o, error, meta, ctx_.planner, ctx_.clock.now())};
                }));
  if (error.kind == ErrorKind::permanent) return confirm_refusal(failed, error, source);
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

Result<Order> OrderService::confirm_refusal(const Order& order, const Error& refusal, EventSource source) {
  auto settled = query_and_record(order, source, [&](const CallMeta& meta, TimePoint now) -> Result<Order> {
    return save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
      if (o.state != OrderState::new_order) return {record_note(o, "not known to the platform", meta, ctx_.planner, now)};
      return {record_rejected(o,
                              "WeChat Pay refused the apply (" + refusal.message +
                                  ") and does not hold the order: refused for good",
                              meta, now)};
    });
  });
  if (!settled) {
    Error e = refusal;
    e.kind = settled.error().kind == ErrorKind::storage ? ErrorKind::storage : ErrorKind::retryable;
    e.message = "WeChat Pay refused the apply for " + order.out_recharge_no + " (" + refusal.message +
                "), but the query that tells a refusal from an order it already holds failed (" +
                settled.error().message + "). The order stays NEW and is resolved by query before any new apply: "
                "re-run the same command, or let the daemon do it.";
    return e;
  }
  return settled;
}

Result<Order> OrderService::query_and_record(const Order& order, EventSource source, const NotFound& not_found) {
  Millis latency{0};
  auto answer = call<wxpay::MchDeposit>(Endpoint::query, latency,
                                        [&] { return ctx_.api.query(order.sub_mchid, order.out_recharge_no); });
  const TimePoint now = ctx_.clock.now();
  if (answer) {
    const CallMeta meta = meta_of(Endpoint::query, source, latency, *answer);
    return save(order, [&](const Order& o) { return record_view(o, answer->value, meta, ctx_.planner, now); });
  }
  const Error& error = answer.error();
  if (error.kind == ErrorKind::not_found) return not_found(meta_of(Endpoint::query, source, latency, error), now);
  return record_error(order, error, Endpoint::query, source, latency);
}

Result<Order> OrderService::recover(const Order& order, EventSource source, Recovery mode) {
  return query_and_record(order, source, [&](const CallMeta& meta, TimePoint now) -> Result<Order> {
    const bool applying = mode == Recovery::may_apply;
    const std::string note = applying ? "not known to the platform (it never received the apply): applying"
                                      : "not known to the platform (it never received the apply)";
    RECHARGED_TRY(const Order noted, save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
                    storage::OrderUpdate update = record_note(o, note, meta, ctx_.planner, now);
                    if (applying && o.state == OrderState::new_order) {
                      // As for a fresh apply: the lease (and the first recovery visit) wait until this call has
                      // surely landed or failed, even if this process dies with it in flight.
                      update.apply_lease_until = now + ctx_.apply_grace;
                      update.next_poll_at = now + ctx_.apply_grace;
                      update.next_poll_reason = "recover: apply in flight";
                    }
                    return {std::move(update)};
                  }));
    if (applying && noted.state == OrderState::new_order) return submit_apply(noted, source);
    return noted;
  });
}

Result<Order> OrderService::poll(const Order& order, EventSource source) {
  return query_and_record(order, source, [&](const CallMeta& meta, TimePoint now) {
    return save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
      const std::string why =
          "the platform does not know an order we hold as " + std::string(orders::to_string(o.state));
      return {record_alert(o, why, meta, ctx_.planner, now)};
    });
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
    return Error::make(ErrorKind::permanent, ErrorReason::suspect,
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
  // The final query found a payment the bank sent back: the stale close waits for the payer to send again.
  if (source == EventSource::close && ctx_.clock.now() < order.close_after) return order;
  const std::string why = source == EventSource::close
                              ? "stale: closing an unpaid order before the platform's 7-day link expiry"
                              : "closing on operator request";
  RECHARGED_TRY(order, save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
                  if (o.state != OrderState::recharging) return {}; // moved meanwhile: nothing to decide any more
                  return {record_decision(o, OrderState::closing, source, why, ctx_.planner, ctx_.clock.now())};
                }));
  if (order.state != OrderState::closing) return order;
  return close_and_confirm(order, source);
}

Result<Order> OrderService::close_and_confirm(const Order& order, EventSource source) {
  Millis latency{0};
  auto answer = call<wxpay::MchDeposit>(Endpoint::close, latency,
                                        [&] { return ctx_.api.close(order.sub_mchid, order.out_recharge_no); });
  Order current = order;
  if (answer) {
    const CallMeta meta = meta_of(Endpoint::close, source, latency, *answer);
    RECHARGED_TRY(current, save(order, [&](const Order& o) {
                    return record_view(o, answer->value, meta, ctx_.planner, ctx_.clock.now());
                  }));
  } else {
    // A refused or failed close proves nothing (e.g. it was paid meanwhile): the query below decides.
    const CallMeta meta = meta_of(Endpoint::close, source, latency, answer.error());
    RECHARGED_TRY(current, save(order, [&](const Order& o) -> std::vector<storage::OrderUpdate> {
                    return {record_failure(o, answer.error(), meta, ctx_.planner, ctx_.clock.now())};
                  }));
  }
  if (current.state == OrderState::suspect) return current;
  // Confirm with a query even when the close answer looked final.
  return poll(current, source);
}

Result<Order> OrderService::revisit_closing(const Order& order) {
  RECHARGED_TRY(const Order seen, poll(order, EventSource::close));
  if (seen.state == OrderState::closing && wxpay::parse<wxpay::RechargeState>(seen.platform_state) == wxpay::RechargeState::recharging) return close_and_confirm(seen, EventSource::close);
  return seen;
}

Result<Order> OrderService::work(const Order& order) {
  switch (order.state) {
  case OrderState::new_order: {
    // Only the lease holder may apply; while someone else's apply can be in flight, a query is all we may do.
    RECHARGED_TRY(const storage::ClaimResult claimed, claim(order));
    if (claimed.order.state != OrderState::new_order) return claimed.order;
    return recover(claimed.order, EventSource::recovery, claimed.claimed ? Recovery::may_apply : Recovery::query_only);
  }
  case OrderState::recharging:
    if (ctx_.clock.now() >= order.close_after) return close_procedure(order, EventSource::close);
    return poll(order, EventSource::poll);
  case OrderState::closing: return revisit_closing(order);
  default: return order;
  }
}

} // namespace recharged::engine
