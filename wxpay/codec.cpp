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

std::string req_string(const json& obj, std::string_view key, const std::string& path) {
  const json* v = member(obj, key);
  if (v == nullptr) fail(join(path, key), "is required");
  if (!v->is_string()) fail(join(path, key), "must be a string");
  return v->get<std::string>();
}

template <class E>
Known<E> req_enum(const json& obj, std::string_view key, const std::string& path) {
  return Known<E>::from_text(req_string(obj, key, path));
}

// Reads the optional (选填) fields of one document. Absent and null are the same: absent. A value that is
// present but unreadable (wrong type, a time that is not RFC 3339) fails the document in strict mode; in
// lenient mode (platform answers) it is recorded in `unread` with its raw JSON and treated as absent.
class Reader {
public:
  Reader() = default; // strict
  explicit Reader(std::vector<UnreadField>& unread) : unread_(&unread) {}

  std::optional<std::string> string(const json& obj, std::string_view key, const std::string& path) {
    const json* v = member(obj, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      unreadable(join(path, key), *v, "must be a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<TimePoint> time(const json& obj, std::string_view key, const std::string& path) {
    const json* v = member(obj, key);
    if (v == nullptr) return std::nullopt;
    if (v->is_string())
      if (auto t = parse_rfc3339(v->get_ref<const std::string&>())) return *t;
    unreadable(join(path, key), *v, "must be an RFC 3339 time such as 2026-11-23T17:30:00+08:00");
    return std::nullopt;
  }

  template <class E>
  std::optional<Known<E>> enumeration(const json& obj, std::string_view key, const std::string& path) {
    auto text = string(obj, key, path);
    if (!text) return std::nullopt;
    return Known<E>::from_text(std::move(*text));
  }

  const json* object(const json& obj, std::string_view key, const std::string& path) {
    const json* v = member(obj, key);
    if (v == nullptr || v->is_object()) return v;
    unreadable(join(path, key), *v, "must be an object");
    return nullptr;
  }

  // Null items are skipped like absent fields; other non-strings are unreadable.
  std::vector<Known<RechargeChannel>> channels(const json& obj, std::string_view key, const std::string& path) {
    std::vector<Known<RechargeChannel>> out;
    const json* v = member(obj, key);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      unreadable(join(path, key), *v, "must be an array of strings");
      return out;
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (item.is_null()) continue;
      if (!item.is_string()) {
        unreadable(join(path, key) + "[" + std::to_string(i) + "]", item, "must be a string");
        continue;
      }
      out.push_back(Known<RechargeChannel>::from_text(item.get<std::string>()));
    }
    return out;
  }

private:
  // Strict: fails. Lenient: notes the raw value; the caller then treats the field as absent.
  void unreadable(const std::string& field, const json& value, std::string rule) {
    if (unread_ == nullptr) fail(field, std::move(rule));
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 200) {
      std::size_t cut = 200;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "…";
    }
    unread_->push_back(UnreadField{field, std::move(text)});
  }

  std::vector<UnreadField>* unread_ = nullptr;
};

// An integer number of fen that fits int64; nullopt when absent or null. Money is never guessed: a value
// that is present but not such an integer fails the document, lenient or not.
std::optional<Fen> fen(const json& obj, std::string_view key, const std::string& path) {
  const json* a = member(obj, key);
  if (a == nullptr) return std::nullopt;
  if (!a->is_number_integer()) fail(join(path, key), "must be an integer number of fen");
  if (a->is_number_unsigned() && a->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Fen>::max()))
    fail(join(path, key), "is out of range");
  return a->get<Fen>();
}

std::optional<std::string> currency(const json& obj, std::string_view key, const std::string& path) {
  const json* c = member(obj, key);
  if (c == nullptr) return std::nullopt;
  if (!c->is_string()) fail(join(path, key), "must be a string");
  return c->get<std::string>();
}

const json& required_object(const json& obj, std::string_view key, const std::string& path) {
  const json* v = member(obj, key);
  if (v == nullptr) fail(join(path, key), "is required");
  if (!v->is_object()) fail(join(path, key), "must be an object");
  return *v;
}

// recharge_amount of a request: amount required, currency defaulting to ''.
Amount request_amount(const json& obj, std::string_view key, const std::string& path) {
  const json& v = required_object(obj, key, path);
  const std::string here = join(path, key);
  const auto a = fen(v, "amount", here);
  if (!a) fail(join(here, "amount"), "is required");
  return Amount{*a, currency(v, "currency", here).value_or("")};
}

// recharge_amount of an answer: the object is required, its members are optional.
ReportedAmount reported_amount(const json& obj, std::string_view key, const std::string& path) {
  const json& v = required_object(obj, key, path);
  const std::string here = join(path, key);
  return ReportedAmount{fen(v, "amount", here), currency(v, "currency", here)};
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

json amount_json(const ReportedAmount& a) {
  json j = json::object();
  if (a.amount) j["amount"] = *a.amount;
  if (a.currency) j["currency"] = *a.currency;
  return j;
}

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
    Reader strict;
    ApplyRequest v;
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_scene = req_enum<RechargeScene>(j, "recharge_scene", "");
    v.account_type = req_enum<AccountType>(j, "account_type", "");
    v.recharge_amount = request_amount(j, "recharge_amount", "");
    v.notify_url = strict.string(j, "notify_url", "");
    v.available_recharge_channels = strict.channels(j, "available_recharge_channels", "");
    v.remark = strict.string(j, "remark", "");
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

namespace {

BankTransferInfo bank_transfer_info(Reader& in, const json& b) {
  const std::string p = "bank_transfer_info";
  BankTransferInfo v;
  v.bill_no = in.string(b, "bill_no", p);
  v.memo = in.string(b, "memo", p);
  v.return_reason = in.string(b, "return_reason", p);
  v.bank_name = in.string(b, "bank_name", p);
  v.bank_card_tail = in.string(b, "bank_card_tail", p);
  v.bank_account_name = in.string(b, "bank_account_name", p);
  v.return_time = in.time(b, "return_time", p);
  return v;
}

OnlineBankRechargeInfo online_bank_info(Reader& in, const json& b) {
  const std::string p = "online_bank_recharge_info";
  OnlineBankRechargeInfo v;
  v.bill_no = in.string(b, "bill_no", p);
  v.return_reason = in.string(b, "return_reason", p);
  v.bank_name = in.string(b, "bank_name", p);
  v.online_bank_type = in.string(b, "online_bank_type", p);
  v.bank_card_tail = in.string(b, "bank_card_tail", p);
  v.bank_account_name = in.string(b, "bank_account_name", p);
  v.return_time = in.time(b, "return_time", p);
  return v;
}

} // namespace

Result<MchDeposit> decode_mch_deposit(std::string_view text) {
  return guarded("recharge order answer", [&] {
    const json j = parse_object(text);
    MchDeposit v;
    Reader in(v.unread);
    v.sp_mchid = req_string(j, "sp_mchid", "");
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.recharge_id = req_string(j, "recharge_id", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_channel = in.enumeration<RechargeChannel>(j, "recharge_channel", "");
    v.account_type = req_enum<AccountType>(j, "account_type", "");
    v.recharge_state = req_enum<RechargeState>(j, "recharge_state", "");
    v.recharge_scene = req_enum<RechargeScene>(j, "recharge_scene", "");
    v.recharge_state_desc = in.string(j, "recharge_state_desc", "");
    v.recharge_amount = reported_amount(j, "recharge_amount", "");
    if (const json* b = in.object(j, "bank_transfer_info", "")) v.bank_transfer_info = bank_transfer_info(in, *b);
    if (const json* q = in.object(j, "qr_recharge_info", ""))
      v.qr_recharge_info = QrRechargeInfo{in.string(*q, "openid", "qr_recharge_info"),
                                          in.string(*q, "employee_type", "qr_recharge_info")};
    if (const json* b = in.object(j, "online_bank_recharge_info", "")) v.online_bank_recharge_info = online_bank_info(in, *b);
    v.accept_time = in.time(j, "accept_time", "");
    v.success_time = in.time(j, "success_time", "");
    v.close_time = in.time(j, "close_time", "");
    v.available_recharge_channels = in.channels(j, "available_recharge_channels", "");
    v.remark = in.string(j, "remark", "");
    return v;
  });
}

Result<ErrorBody> decode_error_body(std::string_view text) {
  return guarded("error answer", [&] {
    const json j = parse_object(text);
    ErrorBody v;
    v.code = req_string(j, "code", "");
    if (const json* m = member(j, "message"); m != nullptr && m->is_string()) v.message = m->get<std::string>();
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
    Reader strict;
    Notification v;
    v.id = req_string(j, "id", "");
    v.create_time = strict.time(j, "create_time", "");
    v.event_type = req_string(j, "event_type", "");
    v.resource_type = strict.string(j, "resource_type", "").value_or("");
    v.summary = strict.string(j, "summary", "").value_or("");
    const json& r = required_object(j, "resource", "");
    v.resource.original_type = strict.string(r, "original_type", "resource").value_or("");
    v.resource.algorithm = req_string(r, "algorithm", "resource");
    v.resource.ciphertext = req_string(r, "ciphertext", "resource");
    v.resource.associated_data = strict.string(r, "associated_data", "resource").value_or("");
    v.resource.nonce = req_string(r, "nonce", "resource");
    return v;
  });
}

Result<FundReturned> decode_fund_returned(std::string_view text) {
  return guarded("fund-returned resource", [&] {
    const json j = parse_object(text);
    FundReturned v;
    Reader in(v.unread);
    v.recharge_returned_id = req_string(j, "recharge_returned_id", "");
    v.sp_mchid = req_string(j, "sp_mchid", "");
    v.sub_mchid = req_string(j, "sub_mchid", "");
    v.out_recharge_no = req_string(j, "out_recharge_no", "");
    v.recharge_id = req_string(j, "recharge_id", "");
    v.recharge_channel = req_enum<RechargeChannel>(j, "recharge_channel", "");
    if (const json* d = in.object(j, "detail", "")) {
      const std::string p = "detail";
      v.bank_name = in.string(*d, "bank_name", p);
      v.bank_card_tail = in.string(*d, "bank_card_tail", p);
      v.bank_account_name = in.string(*d, "bank_account_name", p);
      v.online_bank_type = in.string(*d, "online_bank_type", p);
      v.memo = in.string(*d, "memo", p);
      v.return_reason = in.string(*d, "return_reason", p);
      v.return_time = in.time(*d, "return_time", p);
      if (const auto a = fen(*d, "amount", p)) v.amount = Amount{*a, currency(*d, "currency", p).value_or("CNY")};
    }
    return v;
  });
}

} // namespace recharged::wxpay
