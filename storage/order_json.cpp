#include "storage/order_json.hpp"

#include "core/money.hpp"

namespace recharged::storage {

using nlohmann::json;

namespace {

json time_or_null(const std::optional<TimePoint>& t) { return t ? json(format_rfc3339(*t)) : json(nullptr); }

} // namespace

json order_object(const orders::Order& o) {
  return json{{"out_recharge_no", o.out_recharge_no},
              {"sub_mchid", o.sub_mchid},
              {"state", orders::to_string(o.state)},
              {"amount_fen", o.amount},
              {"amount", format_yuan(o.amount)},
              {"currency", o.currency},
              {"recharge_scene", o.recharge_scene},
              {"account_type", o.account_type},
              {"channels", o.channels},
              {"notify_url", o.notify_url},
              {"remark", o.remark},
              {"recharge_id", o.recharge_id},
              {"recharge_url", o.recharge_url},
              {"platform_state", o.platform_state},
              {"platform_state_desc", o.platform_state_desc},
              {"recharge_channel", o.recharge_channel},
              {"created_at", format_rfc3339(o.created_at)},
              {"updated_at", format_rfc3339(o.updated_at)},
              {"applied_at", time_or_null(o.applied_at)},
              {"final_at", time_or_null(o.final_at)},
              {"accept_time", time_or_null(o.accept_time)},
              {"success_time", time_or_null(o.success_time)},
              {"close_time", time_or_null(o.close_time)},
              {"poll_count", o.poll_count},
              {"failure_streak", o.failure_streak},
              {"last_poll_at", time_or_null(o.last_poll_at)},
              {"next_poll_at", time_or_null(o.next_poll_at)},
              {"next_poll_reason", o.next_poll_reason},
              {"close_after", format_rfc3339(o.close_after)},
              {"last_error", o.last_error},
              {"apply_lease_until", time_or_null(o.apply_lease_until)},
              {"apply_lease_owner", o.apply_lease_owner}};
}

json event_object(const orders::OrderEvent& e) {
  json j{{"at", format_rfc3339(e.at)},
         {"source", orders::to_string(e.source)},
         {"kind", orders::to_string(e.kind)},
         {"old_state", e.old_state ? json(orders::to_string(*e.old_state)) : json(nullptr)},
         {"new_state", e.new_state ? json(orders::to_string(*e.new_state)) : json(nullptr)},
         {"endpoint", e.endpoint},
         {"http_status", e.http_status},
         {"request_id", e.request_id},
         {"error_code", e.error_code},
         {"message", e.message},
         {"latency_ms", e.latency_ms}};
  if (!e.evidence.empty()) {
    json parsed = json::parse(e.evidence, nullptr, false);
    j["evidence"] = parsed.is_discarded() ? json(e.evidence) : parsed;
  }
  return j;
}

json notification_object(const NotificationRecord& n) {
  return json{{"id", n.id},
              {"event_type", n.event_type},
              {"received_at", format_rfc3339(n.received_at)},
              {"summary", n.summary},
              {"outcome", orders::to_string(n.outcome)}};
}

json fund_return_object(const FundReturnRecord& r) {
  return json{{"recharge_returned_id", r.recharge_returned_id},
              {"recharge_channel", r.recharge_channel},
              {"amount_fen", r.amount ? json(*r.amount) : json(nullptr)},
              {"currency", r.currency},
              {"return_time", time_or_null(r.return_time)},
              {"return_reason", r.return_reason},
              {"bank_name", r.bank_name},
              {"bank_card_tail", r.bank_card_tail},
              {"received_at", format_rfc3339(r.received_at)}};
}

json order_detail_object(const orders::Order& order, const std::vector<orders::OrderEvent>& events,
                         const std::vector<NotificationRecord>& notifications,
                         const std::vector<FundReturnRecord>& returns) {
  json j = order_object(order);
  j["events"] = json::array();
  for (const auto& e : events) j["events"].push_back(event_object(e));
  j["notifications"] = json::array();
  for (const auto& n : notifications) j["notifications"].push_back(notification_object(n));
  j["fund_returns"] = json::array();
  for (const auto& r : returns) j["fund_returns"].push_back(fund_return_object(r));
  return j;
}

std::string dump_json(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

} // namespace recharged::storage
