#include "sandbox/apply_rules.hpp"

#include "core/utf8.hpp"

#include <algorithm>

namespace recharged::sandbox {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::optional<PlatformError> check_notify_url(std::string_view url) {
  const std::string_view scheme = "https://";
  if (url.size() > k_notify_url_limit) return PlatformError::param("/notify_url", "must be at most 1024 characters");
  if (url.substr(0, scheme.size()) != scheme || url.size() == scheme.size() || url[scheme.size()] == '/')
    return PlatformError::param("/notify_url", "must be an https:// URL reachable from the internet");
  if (url.find_first_of("?#") != std::string_view::npos)
    return PlatformError::param("/notify_url", "may not carry query parameters or a fragment");
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return PlatformError::param("/notify_url", "may not contain spaces or control characters");
  return std::nullopt;
}

std::optional<PlatformError> check_remark(std::string_view remark) {
  const auto info = inspect_utf8(remark);
  if (!info) return PlatformError::param("/remark", "must be UTF-8");
  if (info->has_four_byte)
    return PlatformError::param("/remark", "may not contain 4-byte UTF-8 characters such as emoji");
  if (info->code_points > k_remark_limit) return PlatformError::param("/remark", "may have at most 20 characters");
  return std::nullopt;
}

std::optional<PlatformError> check_channels(const std::vector<RechargeChannel>& channels) {
  for (std::size_t i = 1; i < channels.size(); ++i)
    if (std::find(channels.begin(), channels.begin() + static_cast<std::ptrdiff_t>(i), channels[i]) !=
        channels.begin() + static_cast<std::ptrdiff_t>(i))
      return PlatformError::param("/available_recharge_channels/" + std::to_string(i),
                                  std::string(to_string(channels[i])) + " is listed more than once");
  return std::nullopt;
}

std::optional<PlatformError> check_fields(const ApplyRequest& r) {
  if (!valid_mchid(r.sub_mchid)) return PlatformError::param("/sub_mchid", "must be 1 to 32 digits");
  if (!valid_out_recharge_no(r.out_recharge_no))
    return PlatformError::param("/out_recharge_no", "must be 1 to 64 characters of 0-9, A-Z and a-z");
  if (r.recharge_amount.currency != "CNY") return PlatformError::param("/recharge_amount/currency", "only CNY is supported");
  if (r.recharge_amount.amount <= 0)
    return PlatformError::param("/recharge_amount/amount", "must be a positive number of fen");
  if (r.account_type != account_for(r.recharge_scene))
    return PlatformError::param("/account_type", std::string(to_string(r.account_type)) + " is not the account the scene " +
                                                     std::string(to_string(r.recharge_scene)) + " pays into (" +
                                                     std::string(to_string(account_for(r.recharge_scene))) + ")");
  if (r.notify_url)
    if (auto e = check_notify_url(*r.notify_url)) return e;
  if (auto e = check_channels(r.available_recharge_channels)) return e;
  if (r.remark)
    if (auto e = check_remark(*r.remark)) return e;
  return std::nullopt;
}

bool qr_only(const ApplyRequest& r) {
  return r.available_recharge_channels.size() == 1 && r.available_recharge_channels.front() == RechargeChannel::qr_recharge;
}

} // namespace

bool valid_out_recharge_no(std::string_view v) noexcept {
  return !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), alnum);
}

bool valid_mchid(std::string_view v) noexcept { return !v.empty() && v.size() <= 32 && std::all_of(v.begin(), v.end(), digit); }

std::optional<PlatformError> check_apply(const ApplyRequest& r, const std::vector<std::string>& sub_mchids) {
  if (auto e = check_fields(r)) return e;
  if (!sub_mchids.empty() && std::find(sub_mchids.begin(), sub_mchids.end(), r.sub_mchid) == sub_mchids.end())
    return platform_error(NamedError::no_account);
  const Fen amount = r.recharge_amount.amount;
  if (amount > k_apply_limit || (qr_only(r) && amount > k_qr_limit)) return platform_error(NamedError::over_limit);
  return std::nullopt;
}

std::optional<PlatformError> check_order_ref(std::string_view sub_mchid, std::string_view out_recharge_no) {
  if (!valid_out_recharge_no(out_recharge_no))
    return PlatformError::param("out_recharge_no", "must be 1 to 64 characters of 0-9, A-Z and a-z", "path");
  if (!valid_mchid(sub_mchid)) return PlatformError::param("sub_mchid", "must be 1 to 32 digits", "query");
  return std::nullopt;
}

} // namespace recharged::sandbox
