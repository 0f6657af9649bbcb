#include "cli/output.hpp"

#include "core/money.hpp"
#include "storage/order_json.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace recharged::cli {

using nlohmann::json;

int exit_code_for(const Error& e) noexcept {
  switch (e.kind) {
  case ErrorKind::invalid_input: return k_exit_usage;
  case ErrorKind::permanent: return e.code == "suspect" ? k_exit_attention : k_exit_refused;
  case ErrorKind::not_found: return k_exit_not_found;
  case ErrorKind::retryable:
  case ErrorKind::rate_limited:
  case ErrorKind::ambiguous: return k_exit_retry;
  case ErrorKind::storage: return k_exit_storage;
  case ErrorKind::conflict: return e.code == "address_in_use" ? k_exit_address : k_exit_running;
  case ErrorKind::internal: return k_exit_internal;
  }
  return k_exit_internal;
}

int exit_code_for_setup(const Error& e) noexcept {
  if (e.kind == ErrorKind::storage || e.kind == ErrorKind::conflict) return exit_code_for(e);
  return k_exit_config;
}

int report(const Error& e) {
  std::cerr << "recharged: error: " << e.message << "\n";
  return exit_code_for(e);
}

namespace {

std::string shown(const std::optional<TimePoint>& t) { return t ? format_rfc3339(*t) : "-"; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out.empty() ? "all" : out;
}

using storage::order_object;

std::string dump(const json& j, int indent) { return storage::dump_json(j, indent); }

} // namespace

std::string order_json(const orders::Order& o, int indent) { return dump(order_object(o), indent); }

std::string failure_json(std::string_view out_recharge_no, const std::optional<orders::Order>& order, const Error& e,
                         int exit_code) {
  json j{{"out_recharge_no", out_recharge_no},
         {"state", order ? json(orders::to_string(order->state)) : json(nullptr)},
         {"exit_code", exit_code},
         {"error", {{"kind", to_string(e.kind)}, {"code", e.code}, {"message", e.message}}}};
  if (!e.field.empty()) j["error"]["field"] = e.field;
  if (e.http_status != 0) j["error"]["http_status"] = e.http_status;
  if (!e.request_id.empty()) j["error"]["request_id"] = e.request_id;
  if (order) j["order"] = order_object(*order);
  return dump(j, 2);
}

std::string orders_page_json(const std::vector<orders::Order>& list, const std::optional<std::string>& next_cursor) {
  json arr = json::array();
  for (const auto& o : list) arr.push_back(order_object(o));
  return dump(json{{"orders", arr}, {"next_cursor", next_cursor ? json(*next_cursor) : json(nullptr)}}, 2);
}

std::string order_detail_json(const orders::Order& o, const std::vector<orders::OrderEvent>& events,
                              const std::vector<storage::NotificationRecord>& notifications,
                              const std::vector<storage::FundReturnRecord>& returns) {
  return dump(storage::order_detail_object(o, events, notifications, returns), 2);
}

std::string suspect_reason(const orders::Order& o, const std::vector<orders::OrderEvent>& events) {
  for (auto e = events.rbegin(); e != events.rend(); ++e)
    if (e->new_state == orders::OrderState::suspect && !e->message.empty()) return e->message;
  if (!o.last_error.empty()) return o.last_error;
  return "see `recharged show " + o.out_recharge_no + "`";
}

std::string order_text(const orders::Order& o) {
  std::ostringstream out;
  out << "order        " << o.out_recharge_no << "  (sub-merchant " << o.sub_mchid << ")\n";
  out << "state        " << orders::to_string(o.state);
  if (!o.platform_state.empty()) out << "  (platform: " << o.platform_state << ")";
  out << "\n";
  if (!o.platform_state_desc.empty()) out << "platform says " << o.platform_state_desc << "\n";
  out << "amount       " << format_yuan(o.amount) << " " << o.currency << "  account " << o.account_type << "  scene "
      << o.recharge_scene << "\n";
  out << "channels     " << join(o.channels);
  if (!o.recharge_channel.empty()) out << "  (paid by " << o.recharge_channel << ")";
  out << "\n";
  if (!o.recharge_id.empty()) out << "recharge_id  " << o.recharge_id << "\n";
  if (!o.recharge_url.empty()) out << "recharge_url " << o.recharge_url << "\n";
  // A recovered order (its apply's answer was lost) has no local acceptance time: the platform's says when.
  out << "created      " << format_rfc3339(o.created_at) << "   accepted "
      << (o.applied_at || !o.accept_time ? shown(o.applied_at) : shown(o.accept_time) + " (the platform's accept_time)")
      << "\n";
  if (o.accept_time || o.success_time || o.close_time)
    out << "platform     accepted " << shown(o.accept_time) << "   success " << shown(o.success_time) << "   closed "
        << shown(o.close_time) << "\n";
  if (o.final_at) out << "final        " << shown(o.final_at) << "\n";
  out << "polls        " << o.poll_count << " (last " << shown(o.last_poll_at) << ")  failure streak " << o.failure_streak
      << "\n";
  out << "next poll    " << shown(o.next_poll_at) << (o.next_poll_reason.empty() ? "" : "  — " + o.next_poll_reason) << "\n";
  if (orders::is_open(o.state)) out << "close after  " << format_rfc3339(o.close_after) << "\n";
  if (!o.last_error.empty()) out << "last error   " << o.last_error << "\n";
  return out.str();
}

std::string timeline_text(const std::vector<orders::OrderEvent>& events) {
  std::ostringstream out;
  for (const auto& e : events) {
    out << format_rfc3339(e.at) << "  " << orders::to_string(e.source) << "  ";
    if (e.old_state && e.new_state)
      out << orders::to_string(*e.old_state) << " → " << orders::to_string(*e.new_state);
    else
      out << orders::to_string(e.kind);
    if (!e.endpoint.empty()) out << "  " << e.endpoint;
    if (e.http_status != 0) out << " HTTP " << e.http_status;
    if (!e.error_code.empty()) out << " " << e.error_code;
    if (!e.request_id.empty()) out << "  request " << e.request_id;
    if (e.latency_ms > 0) out << "  " << e.latency_ms << "ms";
    if (!e.message.empty()) out << "\n    " << e.message;
    out << "\n";
  }
  return out.str();
}

std::string orders_table(const std::vector<orders::Order>& list) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-32s %-12s %-10s %14s  %-25s %s\n", "OUT_RECHARGE_NO", "SUB_MCHID", "STATE",
                "AMOUNT", "CREATED", "NEXT POLL");
  out << line;
  for (const auto& o : list) {
    std::snprintf(line, sizeof line, "%-32s %-12s %-10s %14s  %-25s %s\n", o.out_recharge_no.c_str(), o.sub_mchid.c_str(),
                  std::string(orders::to_string(o.state)).c_str(), format_yuan(o.amount).c_str(),
                  format_rfc3339(o.created_at).c_str(), shown(o.next_poll_at).c_str());
    out << line;
  }
  return out.str();
}

} // namespace recharged::cli
