#pragma once

#include "orders/order.hpp"
#include "storage/order_store.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace recharged::storage {

// The JSON shapes of an order and its records, one definition for every reader: `recharged show/list --json`,
// the order API's answers and the event feed's payloads (which is why they live below all three). Never holds
// a secret. Times are RFC 3339 UTC, money is amount_fen (int64) with the yuan text beside it.
[[nodiscard]] nlohmann::json order_object(const orders::Order& order);
[[nodiscard]] nlohmann::json event_object(const orders::OrderEvent& event);
[[nodiscard]] nlohmann::json notification_object(const NotificationRecord& record);
[[nodiscard]] nlohmann::json fund_return_object(const FundReturnRecord& record);
// The order with its timeline: events, notifications and fund returns (`show --json`, GET /v1/orders/{no}).
[[nodiscard]] nlohmann::json order_detail_object(const orders::Order& order,
                                                 const std::vector<orders::OrderEvent>& events,
                                                 const std::vector<NotificationRecord>& notifications,
                                                 const std::vector<FundReturnRecord>& returns);

// JSON text that survives invalid UTF-8 in recorded platform text (replaced, never thrown on).
[[nodiscard]] std::string dump_json(const nlohmann::json& value, int indent = -1);

} // namespace recharged::storage
