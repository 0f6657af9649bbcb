#include "engine/order_recorder.hpp"

#include "orders/lifecycle.hpp"

namespace recharged::engine {

using orders::EventKind;
using orders::Order;
using orders::OrderEvent;
using orders::OrderState;
using storage::OrderUpdate;

namespace {

OrderEvent event_for(const Order& order, EventKind kind, const CallMeta& meta, TimePoint now, std::string message) {
  OrderEvent e;
  e.order_id = order.id;
  e.at = now;
  e.source = meta.source;
  e.kind = kind;
  if (meta.endpoint) e.endpoint = std::string(wxpay::to_string(*meta.endpoint));
  e.http_status = meta.http_status;
  e.request_id = meta.request_id;
  e.message = std::move(message);
  e.latency_ms = meta.latency.count();
  return e;
}

OrderUpdate base_update(const Order& order, const CallMeta& meta, TimePoint now) {
  OrderUpdate u;
  u.order_id = order.id;
  u.expect_state = order.state;
  u.updated_at = now;
  if (meta.endpoint == wxpay::Endpoint::query) {
    u.poll_count_delta = 1;
    u.last_poll_at = now;
  }
  return u;
}

// Plans the next visit on the order as `u` leaves it, and writes it into `u`.
void schedule(OrderUpdate& u, const Order& before, const Planner& planner, TimePoint now) {
  const Order after = storage::after_update(before, u);
  u.set_next_poll = true;
  if (!orders::is_open(after.state)) {
    u.next_poll_at.reset();
    u.next_poll_reason = after.state == OrderState::suspect ? "held: SUSPECT, needs a human" : "final";
    return;
  }
  const Plan plan = planner.next(after, now);
  if (plan.at == TimePoint::max()) u.next_poll_at.reset();
  else u.next_poll_at = plan.at;
  u.next_poll_reason = plan.reason;
}

// Moves `u`'s stale close past a payment sent back at `returned_at` (RECHARGING orders only); true when it moved.
// The caller plans the next visit on the moved close.
bool move_close_for_return(OrderUpdate& u, const Order& order, TimePoint returned_at, const Planner& planner) {
  const Order current = storage::after_update(order, u);
  if (current.state != OrderState::recharging) return false;
  const TimePoint close = planner.close_deadline_after_return(current, returned_at);
  if (close <= current.close_after) return false;
  u.close_after = close;
  return true;
}

// When the bank sent the order's latest payment back, as the answer shows it (bank transfer or online banking).
std::optional<TimePoint> return_time_of(const wxpay::MchDeposit& v) {
  if (v.bank_transfer_info && v.bank_transfer_info->return_time) return v.bank_transfer_info->return_time;
  if (v.online_bank_recharge_info) return v.online_bank_recharge_info->return_time;
  return std::nullopt;
}

void copy_platform_fields(OrderUpdate& u, const Order& order, const wxpay::MchDeposit& v) {
  if (order.recharge_id.empty() && !v.recharge_id.empty()) u.recharge_id = v.recharge_id;
  u.platform_state = v.recharge_state.text;
  u.platform_state_desc = v.recharge_state_desc.value_or("");
  if (v.recharge_channel) u.recharge_channel = v.recharge_channel->text;
  if (v.accept_time) u.accept_time = v.accept_time;
  if (v.success_time && v.recharge_state.value == wxpay::RechargeState::success) u.success_time = v.success_time;
  if (v.close_time && v.recharge_state.value == wxpay::RechargeState::closed) u.close_time = v.close_time;
}

} // namespace

std::vector<OrderUpdate> record_view(const Order& order, const wxpay::MchDeposit& view, const CallMeta& meta,
                                     const Planner& planner, TimePoint now) {
  const orders::Decision d = orders::reconcile(order, view);
  OrderUpdate first = base_update(order, meta, now);
  first.failure_streak = 0;
  first.last_error = "";
  if (d.verdict == orders::Verdict::alert) {
    OrderEvent e = event_for(order, EventKind::alert, meta, now, d.reason);
    e.evidence = meta.body;
    first.events.push_back(std::move(e));
    if (orders::is_open(order.state)) schedule(first, order, planner, now);
    return {std::move(first)};
  }
  if (d.verdict == orders::Verdict::none) {
    if (order.state != OrderState::suspect) copy_platform_fields(first, order, view);
    first.events.push_back(event_for(order, EventKind::api_call, meta, now, d.reason));
    if (const auto returned = return_time_of(view)) (void)move_close_for_return(first, order, *returned, planner);
    schedule(first, order, planner, now);
    return {std::move(first)};
  }
  // A move: one guarded update per step, all committed together.
  std::vector<OrderUpdate> steps;
  Order current = order;
  for (std::size_t i = 0; i < d.path.size(); ++i) {
    OrderUpdate u = i == 0 ? std::move(first) : OrderUpdate{};
    u.order_id = order.id;
    u.expect_state = current.state;
    u.new_state = d.path[i];
    u.updated_at = now;
    if (i == 0 && d.path.back() != OrderState::suspect) copy_platform_fields(u, order, view);
    OrderEvent e = event_for(order, EventKind::state_changed, meta, now, d.reason);
    e.old_state = current.state;
    e.new_state = d.path[i];
    if (i + 1 == d.path.size()) e.evidence = meta.body;
    u.events.push_back(std::move(e));
    const Order next = storage::after_update(current, u);
    if (i + 1 == d.path.size()) schedule(u, current, planner, now);
    current = next;
    steps.push_back(std::move(u));
  }
  return steps;
}

std::vector<OrderUpdate> record_applied(const Order& order, const wxpay::ApplyResponse& answer, const CallMeta& meta,
                                        const Planner& planner, TimePoint now) {
  OrderUpdate u = base_update(order, meta, now);
  u.release_apply_lease = true;
  u.failure_streak = 0;
  u.last_error = "";
  if (order.state != OrderState::new_order) {
    // Someone else moved the order first (e.g. a notification's confirming query found it at the platform). The
    // call still belongs in the trail, and the recharge_url is what only the first apply's answer carries.
    if (order.recharge_url.empty() && (order.recharge_id.empty() || order.recharge_id == answer.recharge_id))
      u.recharge_url = answer.recharge_url;
    OrderEvent e = event_for(order, EventKind::api_call, meta, now,
                             "the platform accepted the apply; the order was already " +
                                 std::string(orders::to_string(order.state)) + " by another writer");
    e.evidence = meta.body;
    u.events.push_back(std::move(e));
    if (orders::is_open(order.state)) schedule(u, order, planner, now);
    return {std::move(u)};
  }
  u.new_state = OrderState::recharging;
  u.recharge_id = answer.recharge_id;
  u.recharge_url = answer.recharge_url;
  u.platform_state = std::string(wxpay::to_string(wxpay::RechargeState::recharging));
  u.applied_at = now;
  Order accepted = order;
  accepted.applied_at = now;
  u.close_after = planner.close_deadline(accepted);
  OrderEvent e = event_for(order, EventKind::state_changed, meta, now, "the platform accepted the order");
  e.old_state = OrderState::new_order;
  e.new_state = OrderState::recharging;
  e.evidence = meta.body;
  u.events.push_back(std::move(e));
  schedule(u, order, planner, now);
  return {std::move(u)};
}

OrderUpdate record_rejected(const Order& order, std::string message, const CallMeta& meta, TimePoint now) {
  OrderUpdate u = base_update(order, meta, now);
  u.new_state = OrderState::rejected;
  u.last_error = message;
  u.set_next_poll = true;
  u.next_poll_reason = "final";
  u.release_apply_lease = true;
  OrderEvent e = event_for(order, EventKind::state_changed, meta, now, std::move(message));
  e.old_state = order.state;
  e.new_state = OrderState::rejected;
  u.events.push_back(std::move(e));
  return u;
}

OrderUpdate record_failure(const Order& order, const Error& error, const CallMeta& meta, const Planner& planner,
                           TimePoint now) {
  OrderUpdate u = base_update(order, meta, now);
  u.failure_streak = order.failure_streak + 1;
  u.last_error = error.message;
  // The apply has come back, however it failed: nobody's call is in flight any more.
  if (meta.endpoint == wxpay::Endpoint::apply) u.release_apply_lease = true;
  OrderEvent e = event_for(order, EventKind::api_call, meta, now, error.message);
  e.error_code = error.code.empty() ? std::string(to_string(error.kind)) : error.code;
  e.http_status = error.http_status;
  e.request_id = error.request_id;
  u.events.push_back(std::move(e));
  schedule(u, order, planner, now);
  return u;
}

OrderUpdate record_decision(const Order& order, OrderState to, orders::EventSource source, std::string message,
                            const Planner& planner, TimePoint now) {
  CallMeta meta;
  meta.source = source;
  meta.endpoint.reset();
  OrderUpdate u = base_update(order, meta, now);
  u.poll_count_delta = 0;
  u.last_poll_at.reset();
  u.new_state = to;
  OrderEvent e = event_for(order, EventKind::state_changed, meta, now, std::move(message));
  e.endpoint.clear();
  e.old_state = order.state;
  e.new_state = to;
  u.events.push_back(std::move(e));
  schedule(u, order, planner, now);
  return u;
}

OrderUpdate record_alert(const Order& order, std::string message, const CallMeta& meta, const Planner& planner,
                         TimePoint now) {
  OrderUpdate u = base_update(order, meta, now);
  OrderEvent e = event_for(order, EventKind::alert, meta, now, std::move(message));
  e.evidence = meta.body;
  u.events.push_back(std::move(e));
  if (orders::is_open(order.state)) schedule(u, order, planner, now);
  return u;
}

OrderUpdate record_note(const Order& order, std::string message, const CallMeta& meta, const Planner& planner,
                        TimePoint now) {
  OrderUpdate u = base_update(order, meta, now);
  OrderEvent e = event_for(order, EventKind::api_call, meta, now, std::move(message));
  e.http_status = meta.http_status;
  u.events.push_back(std::move(e));
  if (orders::is_open(order.state)) schedule(u, order, planner, now);
  return u;
}

void defer_close_for_return(OrderUpdate& u, const Order& order, TimePoint returned_at, const Planner& planner,
                            TimePoint now) {
  if (move_close_for_return(u, order, returned_at, planner)) schedule(u, order, planner, now);
}

orders::NotificationOutcome as_notification(storage::OrderUpdate& u, std::string_view event_type) {
  const bool moves = u.new_state.has_value();
  const bool alert = !u.events.empty() && u.events.front().kind == orders::EventKind::alert;
  u.poll_count_delta = 0;
  u.last_poll_at.reset();
  for (auto& e : u.events) {
    e.message = "notification " + std::string(event_type) + ": " + e.message;
    if (e.kind == orders::EventKind::api_call) e.kind = orders::EventKind::notification;
  }
  using orders::NotificationOutcome;
  return moves ? NotificationOutcome::applied : alert ? NotificationOutcome::alert : NotificationOutcome::confirmed;
}

} // namespace recharged::engine
