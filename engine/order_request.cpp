#include "engine/order_request.hpp"

#include "crypto/random.hpp"

#include <cstdio>

namespace recharged::engine {

orders::Order order_from_request(const wxpay::ApplyRequest& r, TimePoint now) {
  orders::Order o;
  o.out_recharge_no = r.out_recharge_no;
  o.sub_mchid = r.sub_mchid;
  o.recharge_scene = r.recharge_scene.text;
  o.account_type = r.account_type.text;
  o.amount = r.recharge_amount.amount;
  o.currency = r.recharge_amount.currency;
  o.notify_url = r.notify_url.value_or("");
  for (const auto& c : r.available_recharge_channels) o.channels.push_back(c.text);
  o.remark = r.remark.value_or("");
  o.state = orders::OrderState::new_order;
  o.created_at = now;
  o.updated_at = now;
  return o;
}

wxpay::ApplyRequest request_from_order(const orders::Order& o) {
  wxpay::ApplyRequest r;
  r.sub_mchid = o.sub_mchid;
  r.out_recharge_no = o.out_recharge_no;
  r.recharge_scene = wxpay::Known<wxpay::RechargeScene>::from_text(o.recharge_scene);
  r.account_type = wxpay::Known<wxpay::AccountType>::from_text(o.account_type);
  r.recharge_amount = wxpay::Amount{o.amount, o.currency};
  if (!o.notify_url.empty()) r.notify_url = o.notify_url;
  for (const auto& c : o.channels) r.available_recharge_channels.push_back(wxpay::Known<wxpay::RechargeChannel>::from_text(c));
  if (!o.remark.empty()) r.remark = o.remark;
  return r;
}

std::string request_difference(const orders::Order& o, const wxpay::ApplyRequest& r) {
  const orders::Order n = order_from_request(r, o.created_at);
  if (n.sub_mchid != o.sub_mchid) return "sub_mchid " + o.sub_mchid + " (now " + n.sub_mchid + ")";
  if (n.amount != o.amount) return "amount " + format_yuan(o.amount) + " (now " + format_yuan(n.amount) + ")";
  if (n.currency != o.currency) return "currency " + o.currency;
  if (n.recharge_scene != o.recharge_scene) return "recharge_scene " + o.recharge_scene;
  if (n.account_type != o.account_type) return "account_type " + o.account_type;
  if (n.channels != o.channels) return "the channel list";
  if (n.notify_url != o.notify_url) return "notify_url";
  if (n.remark != o.remark) return "remark";
  return "";
}

std::string generate_out_recharge_no(std::string_view prefix, TimePoint now) {
  const auto local = now + k_shanghai_offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<std::chrono::seconds> t{std::chrono::floor<std::chrono::seconds>(local - day)};
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%04d%02u%02u%02ld%02ld%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long>(t.hours().count()),
                static_cast<long>(t.minutes().count()), static_cast<long>(t.seconds().count()));
  return std::string(prefix) + stamp + crypto::random_alnum(8);
}

} // namespace recharged::engine
