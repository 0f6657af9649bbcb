#include "sandbox/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace recharged::sandbox {
namespace {

using json = nlohmann::json;         // what merchants send, parsed
using out_json = nlohmann::ordered_json; // what the platform writes, in the pages' field order

// ---- reading an apply body -------------------------------------------------------------------------------

// Thrown inside read_apply_request only; turned into the PARAM_ERROR it describes.
struct Refusal {
  PlatformError error;
};

[[noreturn]] void refuse(std::string pointer, std::string issue) {
  throw Refusal{PlatformError::param(pointer, std::move(issue))};
}

// The first null anywhere in the document, as a JSON pointer; "" when there is none.
std::string first_null(const json& j, const std::string& at) {
  if (j.is_null()) return at.empty() ? "/" : at;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items())
      if (auto p = first_null(value, at + "/" + key); !p.empty()) return p;
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      if (auto p = first_null(j[i], at + "/" + std::to_string(i)); !p.empty()) return p;
  }
  return {};
}

const json& required(const json& obj, const char* key, const std::string& at) {
  const auto it = obj.find(key);
  if (it == obj.end()) refuse(at + "/" + key, "is required");
  return *it;
}

std::string text(const json& v, const std::string& pointer) {
  if (!v.is_string()) refuse(pointer, "must be a string");
  return v.get<std::string>();
}

std::string required_text(const json& obj, const char* key) { return text(required(obj, key, ""), std::string("/") + key); }

std::optional<std::string> optional_text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  return text(*it, std::string("/") + key);
}

template <class E>
E enumerated(const json& obj, const char* key, std::optional<E> (*parse)(std::string_view) noexcept, const char* allowed) {
  const std::string pointer = std::string("/") + key;
  const std::string v = required_text(obj, key);
  const auto e = parse(v);
  if (!e) refuse(pointer, "'" + v.substr(0, 40) + "' is not one of " + allowed);
  return *e;
}

Amount request_amount(const json& obj) {
  const json& a = required(obj, "recharge_amount", "");
  if (!a.is_object()) refuse("/recharge_amount", "must be an object");
  const json& fen = required(a, "amount", "/recharge_amount");
  if (!fen.is_number_integer()) refuse("/recharge_amount/amount", "must be an integer number of fen");
  if (fen.is_number_unsigned() && fen.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Fen>::max()))
    refuse("/recharge_amount/amount", "is out of range");
  return Amount{fen.get<Fen>(), text(required(a, "currency", "/recharge_amount"), "/recharge_amount/currency")};
}

std::vector<RechargeChannel> channels(const json& obj) {
  std::vector<RechargeChannel> out;
  const auto it = obj.find("available_recharge_channels");
  if (it == obj.end()) return out;
  if (!it->is_array()) refuse("/available_recharge_channels", "must be an array of strings");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string pointer = "/available_recharge_channels/" + std::to_string(i);
    const std::string v = text((*it)[i], pointer);
    const auto c = parse_channel(v);
    if (!c) refuse(pointer, "'" + v.substr(0, 40) + "' is not one of BANK_TRANSFER, QR_RECHARGE, ONLINE_BANK");
    out.push_back(*c);
  }
  if (out.empty()) refuse("/available_recharge_channels", "must list at least one channel when present");
  return out;
}

// ---- writing answers -------------------------------------------------------------------------------------

// "2026-11-23 17:30:00": Shanghai wall-clock time without the T and the offset, not RFC 3339.
std::string odd_time(TimePoint t) {
  std::string s = platform_time(t).substr(0, 19);
  s[10] = ' ';
  return s;
}

class Writer {
public:
  explicit Writer(const AnswerShape& shape) : shape_(shape) {}

  bool omitted(std::string_view field) const {
    return shape_.omit_optional || std::find(shape_.omit.begin(), shape_.omit.end(), field) != shape_.omit.end();
  }

  // Puts an optional field; absent (or omitted) ones become null when the shape asks for nulls.
  template <class T>
  void optional(out_json& obj, std::string_view field, const char* key, const std::optional<T>& v) {
    if (v && !omitted(field)) obj[key] = *v;
    else if (shape_.null_fields) obj[key] = nullptr;
  }

  void time(out_json& obj, std::string_view field, const char* key, const std::optional<TimePoint>& t) {
    std::optional<std::string> s;
    if (t) s = shape_.odd_times ? odd_time(*t) : platform_time(*t);
    optional(obj, field, key, s);
  }

  void extra(out_json& obj, std::string_view where) const {
    if (!shape_.extra_fields) return;
    obj["sandbox_unlisted_" + std::string(where)] = out_json{{"note", "a field the pages do not list"},
                                                             {"values", out_json::array({1, "two", nullptr, 4.5})}};
  }

  const AnswerShape& shape() const { return shape_; }

private:
  const AnswerShape& shape_;
};

out_json bank_transfer_json(Writer& w, const BankTransferInfo& b) {
  out_json o = out_json::object();
  w.optional(o, "", "bill_no", b.bill_no);
  w.optional(o, "", "memo", b.memo);
  w.time(o, "", "return_time", b.return_time);
  w.optional(o, "", "return_reason", b.return_reason);
  w.optional(o, "", "bank_name", b.bank_name);
  w.optional(o, "", "bank_card_tail", b.bank_card_tail);
  w.optional(o, "", "bank_account_name", b.bank_account_name);
  w.extra(o, "detail");
  return o;
}

out_json online_bank_json(Writer& w, const OnlineBankRechargeInfo& b) {
  out_json o = out_json::object();
  w.optional(o, "", "bill_no", b.bill_no);
  w.time(o, "", "return_time", b.return_time);
  w.optional(o, "", "return_reason", b.return_reason);
  w.optional(o, "", "bank_name", b.bank_name);
  w.optional(o, "", "online_bank_type", b.online_bank_type);
  w.optional(o, "", "bank_card_tail", b.bank_card_tail);
  w.optional(o, "", "bank_account_name", b.bank_account_name);
  w.extra(o, "detail");
  return o;
}

out_json channel_list(const std::vector<RechargeChannel>& list) {
  out_json a = out_json::array();
  for (const auto c : list) a.push_back(std::string(to_string(c)));
  return a;
}

template <class Info, class Fn>
void info(Writer& w, out_json& obj, const char* key, const std::optional<Info>& v, Fn&& to_json) {
  std::optional<out_json> o;
  if (v) o = to_json(w, *v);
  w.optional(obj, key, key, o);
}

std::string dump(const out_json& j) { return j.dump(-1, ' ', false, out_json::error_handler_t::replace); }

} // namespace

const std::vector<std::string>& optional_order_fields() {
  static const std::vector<std::string> fields{
      "recharge_channel", "recharge_state_desc", "recharge_amount.amount", "recharge_amount.currency",
      "bank_transfer_info", "qr_recharge_info", "online_bank_recharge_info", "accept_time", "success_time",
      "close_time", "available_recharge_channels"};
  return fields;
}

std::string platform_time(TimePoint t) { return format_rfc3339(std::chrono::floor<std::chrono::seconds>(t)); }

Outcome<ApplyRequest> read_apply_request(std::string_view body) {
  const json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return PlatformError::param("/", "the body must be a JSON object");
  try {
    if (const auto at = first_null(j, ""); !at.empty()) refuse(at, "null is not allowed: leave the field out instead");
    ApplyRequest r;
    r.sub_mchid = required_text(j, "sub_mchid");
    r.out_recharge_no = required_text(j, "out_recharge_no");
    r.recharge_scene = enumerated(j, "recharge_scene", &parse_scene, "ECOMMERCE_DEPOSIT, ECOMMERCE_PAYMENT");
    r.account_type = enumerated(j, "account_type", &parse_account_type, "DEPOSIT, OPERATION");
    r.recharge_amount = request_amount(j);
    r.notify_url = optional_text(j, "notify_url");
    r.available_recharge_channels = channels(j);
    r.remark = optional_text(j, "remark");
    return r;
  } catch (const Refusal& r) {
    return r.error;
  }
}

std::string write_order(const MchDeposit& d, const AnswerShape& shape, const std::optional<std::string>& remark) {
  Writer w(shape);
  out_json j;
  j["sp_mchid"] = d.sp_mchid;
  j["sub_mchid"] = d.sub_mchid;
  j["recharge_id"] = d.recharge_id;
  j["out_recharge_no"] = d.out_recharge_no;
  std::optional<std::string> channel;
  if (d.recharge_channel) channel = std::string(to_string(*d.recharge_channel));
  w.optional(j, "recharge_channel", "recharge_channel", channel);
  j["account_type"] = shape.account_type_as.empty() ? std::string(to_string(d.account_type)) : shape.account_type_as;
  j["recharge_state"] = std::string(to_string(d.recharge_state));
  j["recharge_scene"] = shape.recharge_scene_as.empty() ? std::string(to_string(d.recharge_scene)) : shape.recharge_scene_as;
  w.optional(j, "recharge_state_desc", "recharge_state_desc", d.recharge_state_desc);
  out_json amount = out_json::object();
  w.optional(amount, "recharge_amount.amount", "amount", std::optional<Fen>(d.recharge_amount.amount));
  w.optional(amount, "recharge_amount.currency", "currency", std::optional<std::string>(d.recharge_amount.currency));
  if (shape.extra_fields) amount["payer_total_unlisted"] = d.recharge_amount.amount;
  j["recharge_amount"] = amount;
  info(w, j, "bank_transfer_info", d.bank_transfer_info, bank_transfer_json);
  info(w, j, "qr_recharge_info", d.qr_recharge_info, [](Writer& wr, const QrRechargeInfo& q) {
    out_json o = out_json::object();
    wr.optional(o, "", "openid", q.openid);
    wr.optional(o, "", "employee_type", q.employee_type);
    wr.extra(o, "detail");
    return o;
  });
  info(w, j, "online_bank_recharge_info", d.online_bank_recharge_info, online_bank_json);
  w.time(j, "accept_time", "accept_time", d.accept_time);
  w.time(j, "success_time", "success_time", d.success_time);
  std::optional<TimePoint> close_time = d.close_time;
  if (shape.close_time_on_success && d.recharge_state == RechargeState::success && !close_time)
    close_time = d.success_time ? d.success_time : d.accept_time;
  w.time(j, "close_time", "close_time", close_time);
  std::optional<out_json> list;
  if (!d.available_recharge_channels.empty()) list = channel_list(d.available_recharge_channels);
  w.optional(j, "available_recharge_channels", "available_recharge_channels", list);
  if (remark) j["remark"] = *remark;
  w.extra(j, "order");
  return dump(j);
}

std::string write_apply_response(const ApplyResponse& a, const AnswerShape& shape) {
  out_json j{{"recharge_id", a.recharge_id}, {"out_recharge_no", a.out_recharge_no}, {"recharge_url", a.recharge_url}};
  Writer(shape).extra(j, "apply");
  return dump(j);
}

std::string write_fund_returned(const FundReturned& f, const AnswerShape& shape) {
  AnswerShape s = shape;
  s.omit_optional = false; // the shapes of an order answer; a fund return keeps what it has
  s.omit.clear();
  Writer w(s);
  out_json j;
  j["recharge_returned_id"] = f.recharge_returned_id;
  j["sp_mchid"] = f.sp_mchid;
  j["sub_mchid"] = f.sub_mchid;
  j["out_recharge_no"] = f.out_recharge_no;
  j["recharge_id"] = f.recharge_id;
  j["recharge_channel"] = std::string(to_string(f.recharge_channel));
  out_json d = out_json::object();
  if (f.recharge_channel == RechargeChannel::online_bank) w.optional(d, "", "online_bank_type", f.online_bank_type);
  w.optional(d, "", "bank_name", f.bank_name);
  w.optional(d, "", "bank_card_tail", f.bank_card_tail);
  w.optional(d, "", "bank_account_name", f.bank_account_name);
  std::optional<Fen> amount;
  std::optional<std::string> currency;
  if (f.amount) {
    amount = f.amount->amount;
    currency = f.amount->currency;
  }
  w.optional(d, "", "amount", amount);
  w.optional(d, "", "currency", currency);
  if (f.recharge_channel == RechargeChannel::bank_transfer) w.optional(d, "", "memo", f.memo);
  w.time(d, "", "return_time", f.return_time);
  w.optional(d, "", "return_reason", f.return_reason);
  w.extra(d, "detail");
  j["detail"] = d;
  w.extra(j, "returned");
  return dump(j);
}

std::string write_error(const ErrorBody& e) {
  out_json j{{"code", e.code}, {"message", e.message}};
  if (e.detail_field || e.detail_issue) {
    out_json d = out_json::object();
    if (e.detail_field) d["field"] = *e.detail_field;
    if (e.detail_issue) d["issue"] = *e.detail_issue;
    d["location"] = e.detail_location;
    j["detail"] = d;
  }
  return dump(j);
}

std::string write_notification(const NotificationEnvelope& n) {
  out_json j{{"id", n.id},
             {"create_time", platform_time(n.create_time)},
             {"resource_type", n.resource_type},
             {"event_type", n.event_type},
             {"summary", n.summary},
             {"resource", out_json{{"original_type", n.original_type},
                                   {"algorithm", n.algorithm},
                                   {"ciphertext", n.ciphertext},
                                   {"associated_data", n.associated_data},
                                   {"nonce", n.nonce}}}};
  return dump(j);
}

} // namespace recharged::sandbox
