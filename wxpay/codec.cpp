#include "wxpay/codec.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace recharged::wxpay {
namespace {

using json = nlohmann::json;

// Thrown only inside this file and turned into an Error at each decode_* entry point.
struct DecodeFailure {
  std::string field;
  std::string rule;
};

[[noreturn]] void fail(const std::string& path, std::string rule) { throw DecodeFailure{path, std::move(rule)}; }

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

const json* member(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> opt_string(const json& obj, std::string_view key, const std::string& path) {
  const json* v = member(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail(join(path, key), "must be a string");
  return v->get<std::string>();
}

std::string req_string(const json& obj, std::string_view key, const std::string& path) {
  auto v = opt_string(obj, key, path);
  if (!v) fail(join(path, key), "is required");
  return std::move(*v);
}

std::optional<TimePoint> opt_time(const json& obj, std::string_view key, const std::string& path) {
  auto text = opt_string(obj, key, path);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) fail(join(path, key), "must be an RFC 3339 time such as 2026-11-23T17:30:00+08:00");
  return *t;
}

template <class E>
Known<E> req_enum(const json& obj, std::string_view key, const std::string& path) {
  return Known<E>::from_text(req_string(obj, key, path));
}

template <class E>
std::optional<Known<E>> opt_enum(const json& obj, std::string_view key, const std::string& path) {
  auto text = opt_string(obj, key, path);
  if (!text) return std::nullopt;
  return Known<E>::from_text(std::move(*text));
}

std::vector<Known<RechargeChannel>> channel_list(const json& obj, std::string_view key, const std::string& path) {
  std::vector<Known<RechargeChannel>> out;
  const json* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->is_array()) fail(join(path, key), "must be an array of strings");
  for (const auto& item : *v) {
    if (!item.is_string()) fail(join(path, key), "must contain only strings");
    out.push_back(Known<RechargeChannel>::from_text(item.get<std::string>()));
  }
  return out;
}

const json* opt_object(const json& obj, std::string_view key, const std::string& path) {
  const json* v = member(obj, key);
  if (v != nullptr && !v->is_object()) fail(join(path, key), "must be an object");
  return v;
}

Amount amount(const json& obj, std::string_view key, const std::string& path) {
  const json* v = opt_object(obj, key, path);
  if (v == nullptr) fail(join(path, key), "is required");
  const std::string here = join(path, key);
  const json* a = member(*v, "amount");
  if (a == nullptr) fail(join(here, "amount"), "is required");
  if (!a->is_number_integer()) fail(join(here, "amount"), "must be an integer number of fen");
  if (a->is_number_unsigned() && a->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Fen>::max()))
    fail(join(here, "amount"), "is out of range");
  Amount out;
  out.amount = a->get<Fen>();
  out.currency = opt_string(*v, "currency", here).value_or("");
  return out;
}

json parse_object(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) fail("", "the body is not valid JSON");
  if (!doc.is_object()) fail("", "the body must be a JSON object");
  return doc;
}

template <class Fn>
auto guarded(std::string_view what, Fn&& fn) -> Result<decltype(fn())> {
  try {
    return fn();
  } catch (const DecodeFailure& f) {
    Error e = Error::make(ErrorKind::invalid_input, "malformed",
                          "The " + std::string(what) + " is malformed: " +
                              (f.field.empty() ? f.rule : "field '" + f.field + "' " + f.rule) + ".");
    e.field = f.field;
    return e;
  } catch (const json::exception& ex) {
    return Error::make(ErrorKind::invalid_input, "malformed",
                       "The " + std::string(what) + " is malformed: " + std::string(ex.what()) + ".");
  }
}

void put(json& j, const char* key, const std::optional<std::string>& v) {
  if (v) j[key] = *v;
}
void put(json& j, const char* key, const std::optional<TimePoint>& v) {
  if (v) j[key] = format_rfc3339(*v);
}

json amount_json(const Amount& a) { return json{{"amount", a.amount}, {"currency", a.currency}}; }

json channels_json(const std::vector<Known<RechargeChannel>>& list) {
  json arr = json::array();
  for (const auto& c : list) arr.push_back(c.text);
  return arr;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

} // namespace

std::string encode(const ApplyRequest& v) {
  json j;
  j["sub_mchid"] = v.sub_mchid;
  j["out_recharge_no"] = v.out_recharge_no;
  j["recharge_scene"] = v.recharge_scene.text;
  j["account_type"] = v.account_type.text;
  j["recharge_amount"] = amount_json(v.recharge_amount);
  put(j, "notify_url", v.notify_url);
  if (!v.available_recharge_channels.empty()) j["available_recharge_channels"] = channels_json(v.available_recharge_channels);
  put(j, "remark", v.remark);
  return dump(j);
}

std::string encode(const ApplyResponse& v) {
  return dump(json{{"recharge_id", v.recharge_id}, {"out_recharge_no", v.out_recharge_no}, {"recharge_url", v.recharge_url}});
}

std::string encode(const MchDeposit& v) {
  json j;
  j["sp_mchid"] = v.sp_mchid;
  j["sub_mchid"] = v.sub_mchid;
  j["recharge_id"] = v.recharge_id;
  j["out_recharge_no"] = v.out_recharge_no;
  if (v.recharge_channel) j["recharge_channel"] = v.recharge_channel->text;
  j["account_type"] = v.account_type.text;
  j["recharge_state"] = v.recharge_state.text;
  j["recharge_scene"] = v.recharge_scene.text;
  put(j, "recharge_state_desc", v.recharge_state_desc);
  j["recharge_amount"] = amount_json(v.recharge_amount);
  if (const auto& b = v.bank_transfer_info) {
    json o = json::object();
    put(o, "bill_no", b->bill_no);
    put(o, "memo", b->memo);
    put(o, "return_time", b->return_time);
    put(o, "return_reason", b->return_reason);
    put(o, "bank_name", b->bank_name);
    put(o, "bank_card_tail", b->bank_card_tail);
    put(o, "bank_account_name", b->bank_account_name);
    j["bank_transfer_info"] = o;
  }
  if (const auto& q = v.qr_recharge_info) {
    json o = json::object();
    put(o, "openid", q->openid);
    put(o, "employee_type", q->employee_type);
    j["qr_recharge_info"] = o;
  }
  if (const auto& b = v.online_bank_recharge_info) {
    json o = json::object();
    put(o, "bill_no", b->bill_no);
    put(o, "return_time", b->return_time);
    put(o, "return_reason", b->return_reason);
    put(o, "bank_name", b->bank_name);
    put(o, "online_bank_type", b->online_bank_type);
    put(o, "bank_card_tail", b->bank_card_tail);
    put(o, "bank_account_name", b->bank_account_name);
    j["online_bank_recharge_info"] = o;
  }
  put(j, "accept_time", v.accept_time);
  put(j, "success_time", v.success_time);
  put(j, "close_time", v.close_time);
  if (!v.available_recharge_channels.empty()) j["available_recharge_channels"] = channels_json(v.available_recharge_channels);
  put(j, "remark", v.remark);
  return dump(j);
}

std::string encode(const ErrorBody& v) {
  json j{{"code", v.code}, {"message", v.message}};
  if (v.detail_field || v.detail_issue) {
    json d = json::object();
    put(d, "field", v.detail_field);
    put(d, "issue", v.detail_issue);
    d["location"] = "body";
    j["detail"] = d;
  }
  return dump(j);
}

std::string encode(const Notification& v) {
  json j;
  j["id"] = v.id;
  put(j, "create_time", v.create_time);
  j["resource_type"] = v.resource_type;
  j["event_type"] = v.event_type;
  j["summary"] = v.summary;
  j["resource"] = json{{"original_type", v.resource.original_type},
                       {"algorithm", v.resource.algorithm},
                       {"ciphertext", v.resource.ciphertext},
                       {"associated_data", v.resource.associated_data},
                       {"nonce", v.resource.nonce}};
  return dump(j);
}

std::string encode(const FundReturned& v) {
  json j;
  j["recharge_returned_id"] = v.recharge_returned_id;
  j["sp_mchid"] = v.sp_mchid;
  j["sub_mchid"] = v.sub_mchid;
  j["out_recharge_no"] = v.out_recharge_no;
  j["recharge_id"] = v.recharge_id;
  j["recharge_channel"] = v.recharge_channel.text;
  json d = json::object();
  put(d, "bank_name", v.bank_name);
  put(d, "bank_card_tail", v.bank_card_tail);
  put(d, "bank_account_name", v.bank_account_name);
  put(d, "online_bank_type", v.online_bank_type);
  if (v.amount) {
    d["amount"] = v.amount->amount;
    d["currency"] = v.amount->currency;
  }
  put(d, "memo", v.memo);
  put(d, "return_time", v.return_time);
  put(d, "return_reason", v.return_reason);
  j["detail"] = d;
  return dump(j);
}

Result<ApplyRequest> decode_apply_request(std::string_view text) {
  return guarded("apply request", [&] {
    const json j = parse_object(text);
    ApplyRequest v;
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_scene = req_enum<RechargeScene>(j, "recharge_scene", "");
    v.account_type = req_enum<AccountType>(j, "account_type", "");
    v.recharge_amount = amount(j, "recharge_amount", "");
    v.notify_url = opt_string(j, "notify_url", "");
    v.available_recharge_channels = channel_list(j, "available_recharge_channels", "");
    v.remark = opt_string(j, "remark", "");
    return v;
  });
}

Result<ApplyResponse> decode_apply_response(std::string_view text) {
  return guarded("apply answer", [&] {
    const json j = parse_object(text);
    ApplyResponse v;
    v.recharge_id = req_string(j, "recharge_id", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_url = req_string(j, "recharge_url", "");
    return v;
  });
}

Result<MchDeposit> decode_mch_deposit(std::string_view text) {
  return guarded("recharge order answer", [&] {
    const json j = parse_object(text);
    MchDeposit v;
    v.sp_mchid = req_string(j, "sp_mchid", "");
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.recharge_id = req_string(j, "recharge_id", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_channel = opt_enum<RechargeChannel>(j, "recharge_channel", "");
    v.account_type = req_enum<AccountType>(j, "account_type", "");
    v.recharge_state = req_enum<RechargeState>(j, "recharge_state", "");
    v.recharge_scene = req_enum<RechargeScene>(j, "recharge_scene", "");
    v.recharge_state_desc = opt_string(j, "recharge_state_desc", "");
    v.recharge_amount = amount(j, "recharge_amount", "");
    if (const json* b = opt_object(j, "bank_transfer_info", "")) {
      const std::string p = "bank_transfer_info";
      v.bank_transfer_info = BankTransferInfo{opt_string(*b, "bill_no", p),       opt_string(*b, "memo", p),
                                              opt_string(*b, "return_reason", p), opt_string(*b, "bank_name", p),
                                              opt_string(*b, "bank_card_tail", p), opt_string(*b, "bank_account_name", p),
                                              opt_time(*b, "return_time", p)};
    }
    if (const json* q = opt_object(j, "qr_recharge_info", "")) {
      v.qr_recharge_info = QrRechargeInfo{opt_string(*q, "openid", "qr_recharge_info"),
                                          opt_string(*q, "employee_type", "qr_recharge_info")};
    }
    if (const json* b = opt_object(j, "online_bank_recharge_info", "")) {
      const std::string p = "online_bank_recharge_info";
      v.online_bank_recharge_info =
          OnlineBankRechargeInfo{opt_string(*b, "bill_no", p),          opt_string(*b, "return_reason", p),
                                 opt_string(*b, "bank_name", p),        opt_string(*b, "online_bank_type", p),
                                 opt_string(*b, "bank_card_tail", p),   opt_string(*b, "bank_account_name", p),
                                 opt_time(*b, "return_time", p)};
    }
    v.accept_time = opt_time(j, "accept_time", "");
    v.success_time = opt_time(j, "success_time", "");
    v.close_time = opt_time(j, "close_time", "");
    v.available_recharge_channels = channel_list(j, "available_recharge_channels", "");
    v.remark = opt_string(j, "remark", "");
    return v;
  });
}

Result<ErrorBody> decode_error_body(std::string_view text) {
  return guarded("error answer", [&] {
    const json j = parse_object(text);
    ErrorBody v;
    v.code = req_string(j, "code", "");
    v.message = opt_string(j, "message", "").value_or("");
    if (const json* d = member(j, "detail"); d != nullptr && d->is_object()) {
      if (const json* f = member(*d, "field"); f != nullptr && f->is_string()) v.detail_field = f->get<std::string>();
      if (const json* i = member(*d, "issue"); i != nullptr && i->is_string()) v.detail_issue = i->get<std::string>();
    }
    return v;
  });
}

Result<Notification> decode_notification(std::string_view text) {
  return guarded("notification", [&] {
    const json j = parse_object(text);
    Notification v;
    v.id = req_string(j, "id", "");
    v.create_time = opt_time(j, "create_time", "");
    v.event_type = req_string(j, "event_type", "");
    v.resource_type = opt_string(j, "resource_type", "").value_or("");
    v.summary = opt_string(j, "summary", "").value_or("");
    const json* r = opt_object(j, "resource", "");
    if (r == nullptr) fail("resource", "is required");
    v.resource.original_type = opt_string(*r, "original_type", "resource").value_or("");
    v.resource.algorithm = req_string(*r, "algorithm", "resource");
    v.resource.ciphertext = req_string(*r, "ciphertext", "resource");
    v.resource.associated_data = opt_string(*r, "associated_data", "resource").value_or("");
    v.resource.nonce = req_string(*r, "nonce", "resource");
    return v;
  });
}

Result<FundReturned> decode_fund_returned(std::string_view text) {
  return guarded("fund-returned resource", [&] {
    const json j = parse_object(text);
    FundReturned v;
    v.recharge_returned_id = req_string(j, "recharge_returned_id", "");
    v.sp_mchid = req_string(j, "sp_mchid", "");
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_id = req_string(j, "recharge_id", "");
    v.recharge_channel = req_enum<RechargeChannel>(j, "recharge_channel", "");
    if (const json* d = opt_object(j, "detail", "")) {
      const std::string p = "detail";
      v.bank_name = opt_string(*d, "bank_name", p);
      v.bank_card_tail = opt_string(*d, "bank_card_tail", p);
      v.bank_account_name = opt_string(*d, "bank_account_name", p);
      v.online_bank_type = opt_string(*d, "online_bank_type", p);
      v.memo = opt_string(*d, "memo", p);
      v.return_reason = opt_string(*d, "return_reason", p);
      v.return_time = opt_time(*d, "return_time", p);
      if (member(*d, "amount") != nullptr) v.amount = amount(j, "detail", "");
    }
    return v;
  });
}

} // namespace recharged::wxpay
