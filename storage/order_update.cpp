#include "storage/order_update.hpp"

#include <algorithm>

namespace recharged::storage {

orders::Order after_update(orders::Order o, const OrderUpdate& u) {
  if (u.new_state) {
    o.state = *u.new_state;
    if (orders::is_terminal(o.state)) o.final_at = u.updated_at;
  }
  o.updated_at = u.updated_at;
  if (u.recharge_id) o.recharge_id = *u.recharge_id;
  if (u.recharge_url) o.recharge_url = *u.recharge_url;
  if (u.platform_state) o.platform_state = *u.platform_state;
  if (u.platform_state_desc) o.platform_state_desc = *u.platform_state_desc;
  if (u.recharge_channel) o.recharge_channel = *u.recharge_channel;
  if (u.applied_at) o.applied_at = u.applied_at;
  if (u.accept_time) o.accept_time = u.accept_time;
  if (u.success_time) o.success_time = u.success_time;
  if (u.close_time) o.close_time = u.close_time;
  if (u.last_poll_at) o.last_poll_at = u.last_poll_at;
  if (!orders::is_open(o.state)) o.next_poll_at.reset(); // the due() index holds open orders only
  else if (u.set_next_poll) o.next_poll_at = u.next_poll_at;
  if (u.next_poll_reason) o.next_poll_reason = *u.next_poll_reason;
  if (u.close_after) o.close_after = *u.close_after;
  o.poll_count += u.poll_count_delta;
  if (u.failure_streak) o.failure_streak = *u.failure_streak;
  if (u.last_error) o.last_error = *u.last_error;
  if (u.release_apply_lease) o.apply_lease_until.reset();
  else if (u.apply_lease_until) o.apply_lease_until = u.apply_lease_until;
  return o;
}

Durability durability_of(const OrderUpdate& u) {
  const bool moves = u.new_state.has_value() || u.fund_return.has_value();
  const bool lease = u.apply_lease_until.has_value() || u.release_apply_lease;
  const bool apply_facts = u.recharge_url.has_value() || u.applied_at.has_value() || u.close_after.has_value();
  const bool only_calls = std::all_of(u.events.begin(), u.events.end(), [](const orders::OrderEvent& e) {
    return e.kind == orders::EventKind::api_call;
  });
  return moves || lease || apply_facts || !only_calls ? Durability::synced : Durability::unsynced;
}

} // namespace recharged::storage
