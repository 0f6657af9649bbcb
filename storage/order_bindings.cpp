#include "storage/order_rows.hpp"

#include <SQLiteCpp/Statement.h>

namespace recharged::storage {
namespace {

void bind_time(Params& p, const char* name, TimePoint value) { p.text(name, format_utc(value)); }

void bind_optional(Params& p, const char* name, const std::optional<std::string>& value) {
  if (value) p.text(name, *value);
  else p.null(name);
}

void bind_optional(Params& p, const char* name, const std::optional<TimePoint>& value) {
  if (value) bind_time(p, name, *value);
  else p.null(name);
}

void bind_optional(Params& p, const char* name, const std::optional<orders::OrderState>& value) {
  if (value) p.text(name, std::string(orders::to_string(*value)));
  else p.null(name);
}

template <class Integer>
void bind_optional(Params& p, const char* name, const std::optional<Integer>& value) {
  if (value) p.integer(name, *value);
  else p.null(name);
}

} // namespace

void SqliteParams::text(const char* name, std::string value) { statement_.bind(name, value); }
void SqliteParams::integer(const char* name, std::int64_t value) { statement_.bind(name, value); }
void SqliteParams::null(const char* name) { statement_.bind(name); }

void bind_new_order(Params& p, const orders::Order& o, TimePoint now) {
  p.text(":out_recharge_no", o.out_recharge_no);
  p.text(":sub_mchid", o.sub_mchid);
  p.text(":recharge_scene", o.recharge_scene);
  p.text(":account_type", o.account_type);
  p.integer(":amount", o.amount);
  p.text(":currency", o.currency);
  p.text(":notify_url", o.notify_url);
  p.text(":channels", join_channels(o.channels));
  p.text(":remark", o.remark);
  bind_time(p, ":now", now);
  bind_optional(p, ":next_poll_at", o.next_poll_at);
  p.text(":next_poll_reason", o.next_poll_reason);
  bind_time(p, ":close_after", o.close_after);
  bind_optional(p, ":apply_lease_until", o.apply_lease_until);
  p.text(":apply_lease_owner", o.apply_lease_owner);
}

void bind_update(Params& p, const OrderUpdate& u) {
  p.integer(":id", u.order_id);
  bind_optional(p, ":expect_state", u.expect_state);
  bind_optional(p, ":new_state", u.new_state);
  bind_time(p, ":updated_at", u.updated_at);
  bind_optional(p, ":recharge_id", u.recharge_id);
  bind_optional(p, ":recharge_url", u.recharge_url);
  bind_optional(p, ":platform_state", u.platform_state);
  bind_optional(p, ":platform_state_desc", u.platform_state_desc);
  bind_optional(p, ":recharge_channel", u.recharge_channel);
  bind_optional(p, ":applied_at", u.applied_at);
  bind_optional(p, ":accept_time", u.accept_time);
  bind_optional(p, ":success_time", u.success_time);
  bind_optional(p, ":close_time", u.close_time);
  bind_optional(p, ":last_poll_at", u.last_poll_at);
  p.integer(":set_next_poll", u.set_next_poll ? 1 : 0);
  bind_optional(p, ":next_poll_at", u.next_poll_at);
  bind_optional(p, ":next_poll_reason", u.next_poll_reason);
  bind_optional(p, ":close_after", u.close_after);
  p.integer(":poll_count_delta", u.poll_count_delta);
  bind_optional(p, ":failure_streak", u.failure_streak);
  bind_optional(p, ":last_error", u.last_error);
  p.integer(":release_apply_lease", u.release_apply_lease ? 1 : 0);
  bind_optional(p, ":apply_lease_until", u.apply_lease_until);
}

void bind_event(Params& p, std::int64_t order_id, const orders::OrderEvent& e) {
  p.integer(":order_id", order_id);
  bind_time(p, ":at", e.at);
  p.text(":source", std::string(orders::to_string(e.source)));
  p.text(":kind", std::string(orders::to_string(e.kind)));
  bind_optional(p, ":old_state", e.old_state);
  bind_optional(p, ":new_state", e.new_state);
  p.text(":endpoint", e.endpoint);
  p.integer(":http_status", e.http_status);
  p.text(":request_id", e.request_id);
  p.text(":error_code", e.error_code);
  p.text(":message", e.message);
  p.text(":evidence", e.evidence);
  p.integer(":latency_ms", e.latency_ms);
}

void bind_fund_return(Params& p, std::int64_t order_id, const FundReturnRecord& f) {
  p.integer(":order_id", order_id);
  p.text(":recharge_returned_id", f.recharge_returned_id);
  p.text(":recharge_channel", f.recharge_channel);
  bind_optional(p, ":amount", f.amount);
  p.text(":currency", f.currency);
  bind_optional(p, ":return_time", f.return_time);
  p.text(":return_reason", f.return_reason);
  p.text(":bank_name", f.bank_name);
  p.text(":bank_card_tail", f.bank_card_tail);
  p.text(":bank_account_name", f.bank_account_name);
  bind_time(p, ":received_at", f.received_at);
}

void bind_notification(Params& p, const NotificationRecord& n) {
  p.text(":id", n.id);
  p.text(":event_type", n.event_type);
  p.text(":out_recharge_no", n.out_recharge_no);
  bind_time(p, ":received_at", n.received_at);
  bind_time(p, ":create_time", n.create_time);
  p.text(":summary", n.summary);
  p.text(":resource", n.resource);
  p.text(":outcome", std::string(orders::to_string(n.outcome)));
}

} // namespace recharged::storage
