#pragma once

#include "core/result.hpp"
#include "wxpay/models.hpp"

#include <string_view>

namespace recharged::wxpay {

// Limits from the seed pages, in fen.
inline constexpr Fen k_max_apply_amount = 2'000'000'000; // 单笔充值金额小于等于2千万元
inline constexpr Fen k_max_qr_amount = 5'000'000;        // 扫码充值5万元
inline constexpr std::size_t k_max_remark_chars = 20;
inline constexpr std::size_t k_max_notify_url = 1024;

// Each check returns an Error naming the field (as the platform spells it), the value and the rule.
[[nodiscard]] Status validate_out_recharge_no(std::string_view v); // 1–64 of [0-9A-Za-z]
[[nodiscard]] Status validate_mchid(std::string_view v, std::string_view field); // 1–32 digits
[[nodiscard]] Status validate_notify_url(std::string_view v);      // https://, ≤ 1024, no query or fragment
[[nodiscard]] Status validate_remark(std::string_view v);          // ≤ 20 UTF-8 characters, none of 4 bytes
// The whole request, before anything is recorded or sent.
[[nodiscard]] Status validate(const ApplyRequest& request);

} // namespace recharged::wxpay
