#include "sandbox/apply_rules.hpp"

#include "wxpay/validation.hpp"

#include <algorithm>

namespace recharged::sandbox {
namespace {

using wxpay::RechargeChannel;

std::string pointer(std::string_view dotted) {
  std::string out = "/";
  for (const char c : dotted) out += c == '.' ? '/' : c;
  return out;
}

// Turns a local validation failure into the platform's PARAM_ERROR for `field`.
std::optional<PlatformError> as_param(const Status& status, std::string_view field) {
  if (status.ok()) return std::nullopt;
  return PlatformError::param(field, status.error().message);
}

std::optional<PlatformError> check_channels(const std::vector<wxpay::Known<RechargeChannel>>& channels) {
  std::vector<RechargeChannel> seen;
  for (const auto& c : channels) {
    if (!c.known())
      return PlatformError::param("/available_recharge_channels",
                                  "'" + c.text.substr(0, 40) + "' is not BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK");
    if (std::find(seen.begin(), seen.end(), c.value) != seen.end())
      return PlatformError::param("/available_recharge_channels", "'" + c.text + "' is listed twice");
    seen.push_back(c.value);
  }
  return std::nullopt;
}

std::optional<PlatformError> check_fields(const wxpay::ApplyRequest& r) {
  if (auto e = as_param(wxpay::validate_mchid(r.sub_mchid, "sub_mchid"), "/sub_mchid")) return e;
  if (auto e = as_param(wxpay::validate_out_recharge_no(r.out_recharge_no), "/out_recharge_no")) return e;
  if (!r.recharge_scene.known())
    return PlatformError::param("/recharge_scene", "must be ECOMMERCE_DEPOSIT or ECOMMERCE_PAYMENT");
  if (!r.account_type.known()) return PlatformError::param("/account_type", "must be DEPOSIT or OPERATION");
  if (r.recharge_amount.currency != "CNY")
    return PlatformError::param("/recharge_amount/currency", "only CNY is supported");
  if (r.recharge_amount.amount <= 0)
    return PlatformError::param("/recharge_amount/amount", "must be a positive number of fen");
  if (r.notify_url)
    if (auto e = as_param(wxpay::validate_notify_url(*r.notify_url), "/notify_url")) return e;
  if (auto e = check_channels(r.available_recharge_channels)) return e;
  if (r.remark)
    if (auto e = as_param(wxpay::validate_remark(*r.remark), "/remark")) return e;
  return std::nullopt;
}

bool qr_only(const wxpay::ApplyRequest& r) {
  return r.available_recharge_channels.size() == 1 &&
         r.available_recharge_channels.front().value == RechargeChannel::qr_recharge;
}

} // namespace

std::optional<PlatformError> check_apply(const wxpay::ApplyRequest& r, const std::vector<std::string>& sub_mchids) {
  if (auto e = check_fields(r)) return e;
  if (!sub_mchids.empty() && std::find(sub_mchids.begin(), sub_mchids.end(), r.sub_mchid) == sub_mchids.end())
    return PlatformError::make(400, "INVALID_REQUEST", std::string(k_msg_no_account));
  const Fen amount = r.recharge_amount.amount;
  if (amount > wxpay::k_max_apply_amount || (qr_only(r) && amount > wxpay::k_max_qr_amount))
    return PlatformError::make(400, "INVALID_REQUEST", std::string(k_msg_over_limit));
  return std::nullopt;
}

std::optional<PlatformError> check_order_ref(std::string_view sub_mchid, std::string_view out_recharge_no) {
  if (auto e = as_param(wxpay::validate_mchid(sub_mchid, "sub_mchid"), "sub_mchid")) return e;
  return as_param(wxpay::validate_out_recharge_no(out_recharge_no), "out_recharge_no");
}

PlatformError malformed_body(std::string_view field, std::string issue) {
  const std::string where = field.empty() ? std::string("/") : pointer(field);
  return PlatformError::param(where, std::move(issue));
}

} // namespace recharged::sandbox
