#include "storage/order_rows.hpp"

#include <SQLiteCpp/Statement.h>

namespace recharged::storage {
namespace {

using SQLite::Statement;

void bind_text(Statement& s, const char* name, const std::string& value) { s.bind(name, value); }
void bind_text(Statement& s, const char* name, std::string_view value) { s.bind(name, std::string(value)); }

void bind_time(Statement& s, const char* name, TimePoint value) { s.bind(name, format_utc(value)); }

void bind_optional(Statement& s, const char* name, const std::optional<std::string>& value) {
  if (value) s.bind(name, *value);
  else s.bind(name);
}

void bind_optional(Statement& s, const char* name, const std::optional<TimePoint>& value) {
  if (value) bind_time(s, name, *value);
  else s.bind(name);
}

void bind_optional(Statement& s, const char* name, const std::optional<orders::OrderState>& value) {
  if (value) bind_text(s, name, orders::to_string(*value));
  else s.bind(name);
}

void bind_optional(Statement& s, const char* name, const std::optional<std::int64_t>& value) {
  if (value) s.bind(name, *value);
  else s.bind(name);
}

void bind_optional(Statement& s, const char* name, const std::optional<int>& value) {
  if (value) s.bind(name, *value);
  else s.bind(name);
}

} // namespace

void bind_new_order(Statement& s, const orders::Order& o, TimePoint now) {
  bind_text(s, ":out_recharge_no", o.out_recharge_no);
  bind_text(s, ":sub_mchid", o.sub_mchid);
  bind_text(s, ":recharge_scene", o.recharge_scene);
  bind_text(s, ":account_type", o.account_type);
  s.bind(":amount", o.amount);
  bind_text(s, ":currency", o.currency);
  bind_text(s, ":notify_url", o.notify_url);
  bind_text(s, ":channels", join_channels(o.channels));
  bind_text(s, ":remark", o.remark);
  bind_time(s, ":now", now);
  bind_optional(s, ":next_poll_at", o.next_poll_at);
  bind_text(s, ":next_poll_reason", o.next_poll_reason);
  bind_time(s, ":close_after", o.close_after);
  bind_optional(s, ":apply_lease_until", o.apply_lease_until);
  bind_text(s, ":apply_lease_owner", o.apply_lease_owner);
}

void bind_update(Statement& s, const OrderUpdate& u) {
  s.bind(":id", u.order_id);
  bind_optional(s, ":expect_state", u.expect_state);
  bind_optional(s, ":new_state", u.new_state);
  bind_time(s, ":updated_at", u.updated_at);
  bind_optional(s, ":recharge_id", u.recharge_id);
  bind_optional(s, ":recharge_url", u.recharge_url);
  bind_optional(s, ":platform_state", u.platform_state);
  bind_optional(s, ":platform_state_desc", u.platform_state_desc);
  bind_optional(s, ":recharge_channel", u.recharge_channel);
  bind_optional(s, ":applied_at", u.applied_at);
  bind_optional(s, ":accept_time", u.accept_time);
  bind_optional(s, ":success_time", u.success_time);
  bind_optional(s, ":close_time", u.close_time);
  bind_optional(s, ":last_poll_at", u.last_poll_at);
  s.bind(":set_next_poll", u.set_next_poll ? 1 : 0);
  bind_optional(s, ":next_poll_at", u.next_poll_at);
  bind_optional(s, ":next_poll_reason", u.next_poll_reason);
  bind_optional(s, ":close_after", u.close_after);
  s.bind(":poll_count_delta", u.poll_count_delta);
  bind_optional(s, ":failure_streak", u.failure_streak);
  bind_optional(s, ":last_error", u.last_error);
  s.bind(":release_apply_lease", u.release_apply_lease ? 1 : 0);
  bind_optional(s, ":apply_lease_until", u.apply_lease_until);
}

void bind_event(Statement& s, std::int64_t order_id, const orders::OrderEvent& e) {
  s.bind(":order_id", order_id);
  bind_time(s, ":at", e.at);
  bind_text(s, ":source", orders::to_string(e.source));
  bind_text(s, ":kind", orders::to_string(e.kind));
  bind_optional(s, ":old_state", e.old_state);
  bind_optional(s, ":new_state", e.new_state);
  bind_text(s, ":endpoint", e.endpoint);
  s.bind(":http_status", e.http_status);
  bind_text(s, ":request_id", e.request_id);
  bind_text(s, ":error_code", e.error_code);
  bind_text(s, ":message", e.message);
  bind_text(s, ":evidence", e.evidence);
  s.bind(":latency_ms", e.latency_ms);
}

void bind_fund_return(Statement& s, std::int64_t order_id, const FundReturnRecord& f) {
  s.bind(":order_id", order_id);
  bind_text(s, ":recharge_returned_id", f.recharge_returned_id);
  bind_text(s, ":recharge_channel", f.recharge_channel);
  bind_optional(s, ":amount", f.amount);
  bind_text(s, ":currency", f.currency);
  bind_optional(s, ":return_time", f.return_time);
  bind_text(s, ":return_reason", f.return_reason);
  bind_text(s, ":bank_name", f.bank_name);
  bind_text(s, ":bank_card_tail", f.bank_card_tail);
  bind_text(s, ":bank_account_name", f.bank_account_name);
  bind_time(s, ":received_at", f.received_at);
}

void bind_notification(Statement& s, const NotificationRecord& n) {
  bind_text(s, ":id", n.id);
  bind_text(s, ":event_type", n.event_type);
  bind_text(s, ":out_recharge_no", n.out_recharge_no);
  bind_time(s, ":received_at", n.received_at);
  bind_time(s, ":create_time", n.create_time);
  bind_text(s, ":summary", n.summary);
  bind_text(s, ":resource", n.resource);
  bind_text(s, ":outcome", std::string(orders::to_string(n.outcome)));
}

} // namespace recharged::storage
