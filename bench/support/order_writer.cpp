#include "bench/support/order_writer.hpp"

namespace recharged::bench {
namespace {

constexpr std::string_view k_insert_order = R"(
INSERT INTO orders (id, out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency, notify_url,
  channels, remark, state, created_at, updated_at, applied_at, final_at, recharge_id, recharge_url, platform_state,
  platform_state_desc, recharge_channel, accept_time, success_time, close_time, poll_count, failure_streak,
  last_poll_at, next_poll_at, next_poll_reason, close_after, last_error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
        ?24, ?25, ?26, ?27, ?28, ?29, ?30))";

constexpr std::string_view k_insert_event = R"(
INSERT INTO order_events (order_id, at, source, kind, old_state, new_state, endpoint, http_status, request_id,
  error_code, message, evidence, latency_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))";

constexpr std::string_view k_insert_notification = R"(
INSERT INTO notifications (id, event_type, out_recharge_no, order_id, received_at, create_time, summary, resource,
  outcome)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))";

constexpr std::string_view k_insert_fund_return = R"(
INSERT INTO fund_returns (order_id, recharge_returned_id, recharge_channel, amount, currency, return_time,
  return_reason, bank_name, bank_card_tail, bank_account_name, received_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))";

std::optional<std::string> time_text(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::string>(format_utc(*t)) : std::nullopt;
}

std::optional<std::string> state_text(const std::optional<orders::OrderState>& s) {
  return s ? std::optional<std::string>(std::string(orders::to_string(*s))) : std::nullopt;
}

std::string join(const std::vector<std::string>& channels) {
  std::string out;
  for (const auto& c : channels) out += (out.empty() ? "" : ",") + c;
  return out;
}

} // namespace

Result<OrderWriter> OrderWriter::prepare(SqliteHandle& db) {
  RECHARGED_TRY(SqliteStatement order, SqliteStatement::prepare(db, k_insert_order));
  RECHARGED_TRY(SqliteStatement event, SqliteStatement::prepare(db, k_insert_event));
  RECHARGED_TRY(SqliteStatement notification, SqliteStatement::prepare(db, k_insert_notification));
  RECHARGED_TRY(SqliteStatement fund_return, SqliteStatement::prepare(db, k_insert_fund_return));
  return OrderWriter(std::move(order), std::move(event), std::move(notification), std::move(fund_return));
}

Status OrderWriter::write_order(const orders::Order& o) {
  SqliteStatement& s = order_;
  s.bind(1, o.id);
  s.bind(2, o.out_recharge_no);
  s.bind(3, o.sub_mchid);
  s.bind(4, o.recharge_scene);
  s.bind(5, o.account_type);
  s.bind(6, o.amount);
  s.bind(7, o.currency);
  s.bind(8, o.notify_url);
  s.bind(9, join(o.channels));
  s.bind(10, o.remark);
  s.bind(11, orders::to_string(o.state));
  s.bind(12, format_utc(o.created_at));
  s.bind(13, format_utc(o.updated_at));
  s.bind_optional(14, time_text(o.applied_at));
  s.bind_optional(15, time_text(o.final_at));
  s.bind(16, o.recharge_id);
  s.bind(17, o.recharge_url);
  s.bind(18, o.platform_state);
  s.bind(19, o.platform_state_desc);
  s.bind(20, o.recharge_channel);
  s.bind_optional(21, time_text(o.accept_time));
  s.bind_optional(22, time_text(o.success_time));
  s.bind_optional(23, time_text(o.close_time));
  s.bind(24, static_cast<std::int64_t>(o.poll_count));
  s.bind(25, static_cast<std::int64_t>(o.failure_streak));
  s.bind_optional(26, time_text(o.last_poll_at));
  s.bind_optional(27, time_text(o.next_poll_at));
  s.bind(28, o.next_poll_reason);
  s.bind(29, format_utc(o.close_after));
  s.bind(30, o.last_error);
  return s.run();
}

Status OrderWriter::write_event(const orders::OrderEvent& e) {
  SqliteStatement& s = event_;
  s.bind(1, e.order_id);
  s.bind(2, format_utc(e.at));
  s.bind(3, orders::to_string(e.source));
  s.bind(4, orders::to_string(e.kind));
  s.bind_optional(5, state_text(e.old_state));
  s.bind_optional(6, state_text(e.new_state));
  s.bind(7, e.endpoint);
  s.bind(8, static_cast<std::int64_t>(e.http_status));
  s.bind(9, e.request_id);
  s.bind(10, e.error_code);
  s.bind(11, e.message);
  s.bind(12, e.evidence);
  s.bind(13, e.latency_ms);
  ++events_written;
  return s.run();
}

Status OrderWriter::write(const GeneratedOrder& g) {
  RECHARGED_CHECK(write_order(g.order));
  for (const auto& e : g.events) RECHARGED_CHECK(write_event(e));
  for (const auto& n : g.notifications) {
    SqliteStatement& s = notification_;
    s.bind(1, n.id);
    s.bind(2, n.event_type);
    s.bind(3, n.out_recharge_no);
    s.bind(4, g.order.id);
    s.bind(5, format_utc(n.received_at));
    s.bind(6, format_utc(n.create_time));
    s.bind(7, n.summary);
    s.bind(8, n.resource);
    s.bind(9, std::string(orders::to_string(n.outcome)));
    RECHARGED_CHECK(s.run());
    ++notifications_written;
  }
  if (const auto& f = g.fund_return) {
    SqliteStatement& s = fund_return_;
    s.bind(1, g.order.id);
    s.bind(2, f->recharge_returned_id);
    s.bind(3, f->recharge_channel);
    if (f->amount) s.bind(4, *f->amount);
    else s.bind_null(4);
    s.bind(5, f->currency);
    s.bind_optional(6, time_text(f->return_time));
    s.bind(7, f->return_reason);
    s.bind(8, f->bank_name);
    s.bind(9, f->bank_card_tail);
    s.bind(10, f->bank_account_name);
    s.bind(11, format_utc(f->received_at));
    RECHARGED_CHECK(s.run());
  }
  return {};
}

} // namespace recharged::bench
