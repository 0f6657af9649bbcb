#include "engine/order_intake.hpp"

#include "core/utf8.hpp"
#include "engine/order_request.hpp"
#include "wxpay/validation.hpp"

namespace recharged::engine {

wxpay::ApplyRequest apply_request(const ApplyInput& a, const config::ApplyConfig& defaults, TimePoint now) {
  wxpay::ApplyRequest r;
  r.sub_mchid = a.sub_mchid;
  r.recharge_amount.amount = a.amount;
  r.recharge_amount.currency = "CNY";
  r.out_recharge_no =
      a.out_recharge_no.empty() ? generate_out_recharge_no(defaults.out_recharge_no_prefix, now) : a.out_recharge_no;
  r.recharge_scene = wxpay::Known<wxpay::RechargeScene>::from_text(a.scene.empty() ? defaults.recharge_scene : a.scene);
  r.account_type =
      wxpay::Known<wxpay::AccountType>::from_text(a.account_type.empty() ? defaults.account_type : a.account_type);
  for (const auto& c : a.channels.empty() ? defaults.channels : a.channels)
    r.available_recharge_channels.push_back(wxpay::Known<wxpay::RechargeChannel>::from_text(c));
  if (!a.notify_url.empty()) r.notify_url = a.notify_url;
  else if (defaults.notify_url) r.notify_url = defaults.notify_url;
  if (!a.remark.empty()) r.remark = a.remark;
  return r;
}

Result<TimePoint> parse_when(const std::string& text, const std::string& field, TimePoint now) {
  if (auto t = parse_rfc3339(text)) return *t;
  if (auto d = parse_duration(text)) return now - *d;
  return Error::invalid(field, "The " + field + " '" + text +
                                   "' is neither an RFC 3339 time (2026-11-23T00:00:00+08:00) nor an age (24h, 7d).");
}

Result<storage::ListFilter> list_filter(const ListQuery& q, TimePoint now, const FieldName& name) {
  storage::ListFilter f;
  for (const auto& s : q.states) {
    auto st = orders::parse_order_state(to_upper_ascii(s)); // state names are accepted in any case
    if (!st) {
      const std::string field = name("state");
      return Error::invalid(field, "The " + field + " '" + s +
                                       "' is unknown; use NEW, RECHARGING, CLOSING, SUCCESS, CLOSED, REJECTED or SUSPECT.");
    }
    f.states.push_back(*st);
  }
  if (!q.sub_mchid.empty()) {
    if (auto ok = wxpay::validate_mchid(q.sub_mchid, name("sub_mchid")); !ok) return std::move(ok).error();
    f.sub_mchid = q.sub_mchid;
  }
  if (!q.since.empty()) {
    RECHARGED_TRY(f.created_since, parse_when(q.since, name("since"), now));
  }
  if (!q.until.empty()) {
    RECHARGED_TRY(f.created_until, parse_when(q.until, name("until"), now));
  }
  if (!q.after.empty()) {
    RECHARGED_TRY(f.after, storage::parse_cursor(q.after, name("after")));
  }
  if (q.limit < 1 || q.limit > q.max_limit) {
    const std::string field = name("limit");
    return Error::invalid(field, "The " + field + " must be from 1 to " + std::to_string(q.max_limit) + ".");
  }
  f.limit = q.limit;
  return f;
}

} // namespace recharged::engine
