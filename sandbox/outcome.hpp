#pragma once

#include "wxpay/models.hpp"

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace recharged::sandbox {

// A refusal as the real platform words it: the HTTP status and the {code, message, detail} body.
struct PlatformError {
  int status = 400;
  wxpay::ErrorBody body;

  [[nodiscard]] static PlatformError make(int status, std::string code, std::string message);
  // 400 PARAM_ERROR with detail.field as a JSON pointer ("/recharge_amount/amount") and a plain issue.
  [[nodiscard]] static PlatformError param(std::string_view field, std::string issue);
};

// The answer of one platform operation: a value or a PlatformError (not a recharged::Error: these are the
// platform's own words, which the HTTP front sends verbatim).
template <class T>
class [[nodiscard]] Outcome {
public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Outcome(PlatformError error) : v_(std::in_place_index<1>, std::move(error)) {}

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const& { return value(); }
  const PlatformError& error() const& { assert(!ok()); return std::get<1>(v_); }

private:
  std::variant<T, PlatformError> v_;
};

// Wording shared by the platform model and the HTTP front.
inline constexpr std::string_view k_msg_duplicate = "该业务充值单号已存在";
inline constexpr std::string_view k_msg_over_limit = "单笔充值金额超过上限";
inline constexpr std::string_view k_msg_no_account = "入账账户不存在";
inline constexpr std::string_view k_msg_not_found = "充值单不存在";
inline constexpr std::string_view k_msg_close_success = "充值单已成功,无法关闭";
inline constexpr std::string_view k_msg_frequency = "频率超限";
inline constexpr std::string_view k_msg_system = "系统异常,请稍后重试";
inline constexpr std::string_view k_desc_recharging = "充值中";
inline constexpr std::string_view k_desc_success = "充值成功";
inline constexpr std::string_view k_desc_closed_by_merchant = "平台商户主动关闭充值单";
inline constexpr std::string_view k_desc_expired = "超过时间限制,系统自动关闭充值单";

} // namespace recharged::sandbox
