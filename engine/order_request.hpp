#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "orders/order.hpp"
#include "wxpay/models.hpp"

#include <string>
#include <string_view>

namespace recharged::engine {

// A new local order (state NEW) holding everything needed to apply it again after a crash.
[[nodiscard]] orders::Order order_from_request(const wxpay::ApplyRequest& request, TimePoint now);
// The apply request stored in `order`, byte-for-byte what the first attempt sent.
[[nodiscard]] wxpay::ApplyRequest request_from_order(const orders::Order& order);
// Whether `order` was created from the same request (so re-running `apply` is the same order).
// Returns a description of the first difference, or "" when they match.
[[nodiscard]] std::string request_difference(const orders::Order& order, const wxpay::ApplyRequest& request);
// "<prefix><yyyyMMddHHmmss Shanghai time><8 random [0-9A-Za-z]>", e.g. RC20261123173005aZ3k9QpL (24 chars).
[[nodiscard]] std::string generate_out_recharge_no(std::string_view prefix, TimePoint now);

} // namespace recharged::engine
