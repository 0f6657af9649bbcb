#include "wxpay/validation.hpp"

#include "core/utf8.hpp"

#include <algorithm>

namespace recharged::wxpay {
namespace {

bool alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string shown(std::string_view v) {
  // Cut at most 80 bytes, backing off to a character boundary so the message stays valid UTF-8.
  std::size_t cut = std::min<std::size_t>(v.size(), 80);
  while (cut < v.size() && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
  std::string out;
  for (char c : v.substr(0, cut)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return cut < v.size() ? out + "…" : out;
}

Error bad(std::string_view field, std::string_view value, std::string_view rule) {
  return Error::invalid(std::string(field), "The " + std::string(field) + " '" + shown(value) + "' is invalid: " +
                                               std::string(rule) + ".");
}

} // namespace

Status validate_out_recharge_no(std::string_view v) {
  if (v.empty() || v.size() > 64 || !std::all_of(v.begin(), v.end(), alnum))
    return bad("out_recharge_no", v, "it must be 1 to 64 characters of 0-9, A-Z and a-z");
  return {};
}

Status validate_mchid(std::string_view v, std::string_view field) {
  if (v.empty() || v.size() > 32 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad(field, v, "a merchant id is 1 to 32 digits");
  return {};
}

Status validate_notify_url(std::string_view v) {
  if (!v.starts_with("https://") || v.size() <= 8) return bad("notify_url", v, "it must be an https:// URL");
  if (v.size() > k_max_notify_url) return bad("notify_url", v, "it must be at most 1024 characters");
  if (v.find_first_of("?# \t\r\n") != std::string_view::npos || v.find('\0') != std::string_view::npos)
    return bad("notify_url", v, "it may not contain a query, a fragment, spaces or control characters");
  return {};
}

Status validate_remark(std::string_view v) {
  const auto info = inspect_utf8(v);
  if (!info) return bad("remark", v, "it must be valid UTF-8");
  if (info->has_four_byte) return bad("remark", v, "characters outside the Basic Multilingual Plane (such as emoji) are not accepted");
  if (info->code_points > k_max_remark_chars) return bad("remark", v, "it may have at most 20 characters");
  if (std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return bad("remark", v, "it may not contain control characters");
  return {};
}

Status validate(const ApplyRequest& r) {
  RECHARGED_CHECK(validate_mchid(r.sub_mchid, "sub_mchid"));
  RECHARGED_CHECK(validate_out_recharge_no(r.out_recharge_no));
  if (!r.recharge_scene.known())
    return bad("recharge_scene", r.recharge_scene.text, "it must be ECOMMERCE_DEPOSIT or ECOMMERCE_PAYMENT");
  if (!r.account_type.known()) return bad("account_type", r.account_type.text, "it must be DEPOSIT or OPERATION");
  const auto& amount = r.recharge_amount;
  if (amount.currency != "CNY") return bad("recharge_amount.currency", amount.currency, "only CNY is supported");
  const std::string fen = std::to_string(amount.amount) + " fen";
  if (amount.amount <= 0) return bad("recharge_amount.amount", fen, "it must be greater than zero");
  if (amount.amount > k_max_apply_amount)
    return bad("recharge_amount.amount", fen, "a single recharge may be at most 20,000,000.00 yuan (2千万元)");
  std::vector<RechargeChannel> seen;
  for (const auto& c : r.available_recharge_channels) {
    if (!c.known()) return bad("available_recharge_channels", c.text, "each must be BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK");
    if (std::find(seen.begin(), seen.end(), c.value) != seen.end())
      return bad("available_recharge_channels", c.text, "a channel may be listed only once");
    seen.push_back(c.value);
  }
  if (seen.size() == 1 && seen[0] == RechargeChannel::qr_recharge && amount.amount > k_max_qr_amount)
    return bad("recharge_amount.amount", fen, "a QR-only recharge may be at most 50,000.00 yuan (5万元)");
  if (r.notify_url) RECHARGED_CHECK(validate_notify_url(*r.notify_url));
  if (r.remark) RECHARGED_CHECK(validate_remark(*r.remark));
  return {};
}

} // namespace recharged::wxpay
