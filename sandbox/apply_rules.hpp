#pragma once

#include "core/money.hpp"
#include "sandbox/model.hpp"
#include "sandbox/outcome.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::sandbox {

// Limits from the pages, in fen.
inline constexpr Fen k_apply_limit = 2'000'000'000; // 单笔充值金额小于等于2千万元
inline constexpr Fen k_qr_limit = 5'000'000;        // 扫码充值5万元
inline constexpr std::size_t k_remark_limit = 20;   // 最多允许20个字符
inline constexpr std::size_t k_notify_url_limit = 1024;

// The platform's checks of an apply (after read_apply_request), in the order it makes them:
// 400 PARAM_ERROR (detail.field a JSON pointer) for a field against its page's row — sub_mchid 1–32 digits;
// out_recharge_no 1–64 of [0-9A-Za-z]; currency CNY; amount > 0; account_type the one the scene pays into;
// notify_url an https URL of at most 1024 characters without query or fragment; channels listed once each;
// remark at most 20 UTF-8 characters, none of 4 bytes —; then 400 INVALID_REQUEST 入账账户不存在 for a
// sub-merchant not in `sub_mchids` (empty = any); then 单笔充值金额超过上限 (over 2千万元, or a QR-only
// order over 5万元). nullopt when the request is acceptable. Pure.
[[nodiscard]] std::optional<PlatformError> check_apply(const ApplyRequest& request,
                                                       const std::vector<std::string>& sub_mchids);

// PARAM_ERROR checks of the path and query of a query/close call (field = the parameter's name).
[[nodiscard]] std::optional<PlatformError> check_order_ref(std::string_view sub_mchid, std::string_view out_recharge_no);

// The identifier rules on their own (also used to count applies per valid number).
[[nodiscard]] bool valid_out_recharge_no(std::string_view v) noexcept;
[[nodiscard]] bool valid_mchid(std::string_view v) noexcept;

} // namespace recharged::sandbox
