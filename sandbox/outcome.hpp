#pragma once

#include "sandbox/model.hpp"

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace recharged::sandbox {

// A refusal as the real platform words it: the HTTP status and the {code, message, detail} body.
struct PlatformError {
  int status = 400;
  ErrorBody body;

  [[nodiscard]] static PlatformError make(int status, std::string code, std::string message);
  // 400 PARAM_ERROR with detail.field as a JSON pointer ("/recharge_amount/amount") and a plain issue;
  // `location` is where the field is: body, path or query.
  [[nodiscard]] static PlatformError param(std::string_view field, std::string issue, std::string location = "body");
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

// Wording shared by the platform model and the HTTP front: the error tables of the three pages.
inline constexpr std::string_view k_msg_param = "参数错误";
inline constexpr std::string_view k_msg_invalid_request = "HTTP 请求不符合微信支付 APIv3 接口规则";
inline constexpr std::string_view k_msg_sign = "验证不通过";
inline constexpr std::string_view k_msg_duplicate = "该业务充值单号已存在";
inline constexpr std::string_view k_msg_over_limit = "单笔充值金额超过上限";
inline constexpr std::string_view k_msg_no_account = "入账账户不存在";
inline constexpr std::string_view k_msg_not_found = "充值单不存在";
inline constexpr std::string_view k_msg_no_auth = "服务商未开通平台收付通";
inline constexpr std::string_view k_msg_no_auth_punished = "平台充值权限被处罚,无法发起充值";
inline constexpr std::string_view k_msg_no_auth_controlled = "商户号出入金权限被管控";
inline constexpr std::string_view k_msg_frequency = "频率超限";
inline constexpr std::string_view k_msg_system = "系统异常,请稍后重试";

// Every error of the three pages' tables, by a name the fault settings use ("no_auth_punished", …).
enum class NamedError {
  param_error,        // 400 PARAM_ERROR 参数错误
  invalid_request,    // 400 INVALID_REQUEST HTTP 请求不符合微信支付 APIv3 接口规则
  sign_error,         // 401 SIGN_ERROR 验证不通过
  system_error,       // 500 SYSTEM_ERROR 系统异常,请稍后重试
  no_account,         // 400 INVALID_REQUEST 入账账户不存在 (apply)
  over_limit,         // 400 INVALID_REQUEST 单笔充值金额超过上限 (apply)
  duplicate,          // 400 INVALID_REQUEST 该业务充值单号已存在 (apply)
  no_auth,            // 403 NO_AUTH 服务商未开通平台收付通
  no_auth_punished,   // 403 NO_AUTH 平台充值权限被处罚,无法发起充值 (apply)
  no_auth_controlled, // 403 NO_AUTH 商户号出入金权限被管控 (apply)
  not_found,          // 404 NOT_FOUND 充值单不存在 (query, close)
  frequency_limited,  // 429 FREQUENCY_LIMITED 频率超限
};
[[nodiscard]] std::string_view to_string(NamedError e) noexcept;
[[nodiscard]] std::optional<NamedError> parse_named_error(std::string_view text) noexcept;
// All of them, in the order above.
[[nodiscard]] const std::vector<NamedError>& all_named_errors();
// The answer the platform gives for `e`, worded as the pages word it.
[[nodiscard]] PlatformError platform_error(NamedError e);
inline constexpr std::string_view k_desc_recharging = "充值中";
inline constexpr std::string_view k_desc_success = "充值成功";
inline constexpr std::string_view k_desc_closed_by_merchant = "平台商户主动关闭充值单";
inline constexpr std::string_view k_desc_expired = "超过时间限制,系统自动关闭充值单";

} // namespace recharged::sandbox
