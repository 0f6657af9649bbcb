#pragma once

#include "cli/exit_codes.hpp"
#include "core/error.hpp"
#include "orders/order.hpp"
#include "storage/order_store.hpp"

#include <string>
#include <vector>

namespace recharged::cli {

// The exit code for a failed command (README "Exit codes").
[[nodiscard]] int exit_code_for(const Error& error) noexcept;
// The exit code for a failure to build the Context (config, keys, calendar → 3; database → 6).
[[nodiscard]] int exit_code_for_setup(const Error& error) noexcept;
// "recharged: error: <message>" on stderr; returns exit_code_for(error).
int report(const Error& error);

// JSON for --json output (never contains secrets). One object per order.
[[nodiscard]] std::string order_json(const orders::Order& order, int indent = 2);
// A page of `list`: {"orders": [...], "next_cursor": "…" or null when this is the last page}.
[[nodiscard]] std::string orders_page_json(const std::vector<orders::Order>& orders,
                                           const std::optional<std::string>& next_cursor);
// A command about one order that failed: its number, its state as recorded (null when it was not recorded), the
// error and the exit code, and the order itself when it exists.
[[nodiscard]] std::string failure_json(std::string_view out_recharge_no, const std::optional<orders::Order>& order,
                                       const Error& error, int exit_code);
[[nodiscard]] std::string order_detail_json(const orders::Order& order, const std::vector<orders::OrderEvent>& events,
                                            const std::vector<storage::NotificationRecord>& notifications,
                                            const std::vector<storage::FundReturnRecord>& returns);

// Why an order is held as SUSPECT: the message of the event that put it there (its last_error when that is
// empty), or a pointer to `recharged show` when neither says.
[[nodiscard]] std::string suspect_reason(const orders::Order& order, const std::vector<orders::OrderEvent>& events);

// Human-readable text, times in Shanghai time (+08:00).
[[nodiscard]] std::string order_text(const orders::Order& order);
[[nodiscard]] std::string timeline_text(const std::vector<orders::OrderEvent>& events);
[[nodiscard]] std::string orders_table(const std::vector<orders::Order>& orders);

} // namespace recharged::cli
