#pragma once

#include "orders/order.hpp"
#include "storage/order_update.hpp"

namespace spdlog {
class logger;
}

namespace recharged::engine {

// The log lines of a recorded update, whoever recorded it (a poll, an apply, a close or a notification):
// `order_state_changed` (info) for each state change and `order_alert` (warn) for each alert, so `tail -f` and
// journalctl see every move and every quarantine. `order` is the order the update was made from.
void log_order_events(spdlog::logger& log, const orders::Order& order, const storage::OrderUpdate& update);

} // namespace recharged::engine
