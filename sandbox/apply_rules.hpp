#pragma once

#include "sandbox/outcome.hpp"
#include "wxpay/models.hpp"

#include <optional>
#include <string>
#include <vector>

namespace recharged::sandbox {

// The platform's checks of an apply body, in the order it makes them: 400 PARAM_ERROR (detail.field a JSON
// pointer such as "/recharge_amount/amount") for malformed fields, then 400 INVALID_REQUEST 入账账户不存在
// for a sub-merchant not in `sub_mchids` (empty = any), then 单笔充值金额超过上限 (over 2千万元, or a
// QR-only order over 5万元). nullopt when the request is acceptable. Pure.
[[nodiscard]] std::optional<PlatformError> check_apply(const wxpay::ApplyRequest& request,
                                                       const std::vector<std::string>& sub_mchids);

// PARAM_ERROR checks of the path and query of a query/close call (field = the parameter's name).
[[nodiscard]] std::optional<PlatformError> check_order_ref(std::string_view sub_mchid, std::string_view out_recharge_no);

// PARAM_ERROR for an apply body that is not valid JSON or lacks a required field; `field` is the decoder's
// dotted name ("recharge_amount.amount"), turned into a JSON pointer.
[[nodiscard]] PlatformError malformed_body(std::string_view field, std::string issue);

} // namespace recharged::sandbox
