#include "engine/order_log.hpp"

#include "logging/event_line.hpp"

#include <spdlog/logger.h>

namespace recharged::engine {

void log_order_events(spdlog::logger& log, const orders::Order& order, const storage::OrderUpdate& update) {
  for (const auto& e : update.events) {
    if (e.kind == orders::EventKind::state_changed && e.old_state && e.new_state) {
      logging::EventLine line("order_state_changed");
      line.kv("out_recharge_no", order.out_recharge_no).kv("sub_mchid", order.sub_mchid)
          .kv("old", orders::to_string(*e.old_state)).kv("new", orders::to_string(*e.new_state))
          .kv("source", orders::to_string(e.source)).kv("amount_fen", order.amount);
      if (!e.request_id.empty()) line.kv("request_id", e.request_id);
      line.kv("reason", e.message);
      log.info(line.str());
    } else if (e.kind == orders::EventKind::alert) {
      logging::EventLine line("order_alert");
      line.kv("out_recharge_no", order.out_recharge_no).kv("sub_mchid", order.sub_mchid)
          .kv("state", orders::to_string(order.state))
          .kv("source", orders::to_string(e.source)).kv("reason", e.message);
      log.warn(line.str());
    }
  }
}

} // namespace recharged::engine
