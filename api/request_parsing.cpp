#include "api/request_parsing.hpp"

#include "crypto/base64.hpp"
#include "crypto/hmac.hpp"
#include "storage/feed_store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace recharged::api {
namespace {

using nlohmann::json;

Error invalid(const std::string& field, std::string message) { return Error::invalid(field, std::move(message)); }

Result<std::string> text_field(const json& body, const std::string& name) {
  const json& v = body.at(name);
  if (!v.is_string()) return invalid(name, "The field " + name + " must be a string.");
  std::string s = v.get<std::string>();
  if (s.empty()) return invalid(name, "The field " + name + " must not be empty; leave it out to take the default.");
  return s;
}

Result<Fen> amount_field(const json& body) {
  const json& v = body.at("amount_fen");
  if (!v.is_number_integer())
    return invalid("amount_fen", "The field amount_fen must be an integer number of fen (50000 for 500.00 yuan).");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return invalid("amount_fen", "The field amount_fen is too large.");
  const Fen fen = v.get<std::int64_t>();
  if (fen <= 0) return invalid("amount_fen", "The field amount_fen must be positive (it is " + std::to_string(fen) + ").");
  return fen;
}

Result<std::vector<std::string>> channels_field(const json& body) {
  const json& v = body.at("channels");
  if (!v.is_array() || v.empty())
    return invalid("channels", "The field channels must be a non-empty array of BANK_TRANSFER, QR_RECHARGE, "
                               "ONLINE_BANK; leave it out for the default.");
  std::vector<std::string> out;
  for (const auto& c : v) {
    if (!c.is_string() || c.get<std::string>().empty())
      return invalid("channels", "Every element of channels must be a channel name (BANK_TRANSFER, QR_RECHARGE or "
                                 "ONLINE_BANK).");
    out.push_back(c.get<std::string>());
  }
  return out;
}

Result<int> int_param(const std::string& name, const std::string& text, int min, int max) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    return invalid(name, "The query parameter " + name + " must be a whole number from " + std::to_string(min) +
                             " to " + std::to_string(max) + ".");
  return v;
}

// Each known parameter at most once (except those in `repeatable`), none unknown.
Status check_params(const QueryParams& q, const std::set<std::string>& known, const std::set<std::string>& repeatable) {
  std::set<std::string> seen;
  for (const auto& [k, v] : q) {
    if (!known.contains(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return invalid(k.substr(0, 64), "The query parameter '" + k.substr(0, 64) + "' is unknown; use " + list + ".");
    }
    if (!seen.insert(k).second && !repeatable.contains(k))
      return invalid(k, "The query parameter " + k + " is given more than once.");
  }
  return {};
}

} // namespace

Result<engine::ApplyInput> parse_create_body(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    Error e = invalid("", "The request body is not JSON; send a JSON object such as "
                          "{\"sub_mchid\":\"1900000109\",\"amount_fen\":50000}.");
    e.code = "malformed_json";
    return e;
  }
  if (!j.is_object()) return invalid("", "The request body must be a JSON object.");
  static const std::set<std::string> known{"sub_mchid",      "amount_fen", "out_recharge_no", "recharge_scene",
                                           "account_type",   "channels",   "notify_url",      "remark"};
  for (const auto& [k, v] : j.items())
    if (!known.contains(k))
      return invalid(k.substr(0, 64), "The field '" + k.substr(0, 64) +
                                          "' is unknown; a new order takes sub_mchid, amount_fen, out_recharge_no, "
                                          "recharge_scene, account_type, channels, notify_url and remark.");
  for (const char* required : {"sub_mchid", "amount_fen"})
    if (!j.contains(required)) return invalid(required, "The field " + std::string(required) + " is required.");
  engine::ApplyInput in;
  RECHARGED_TRY(in.sub_mchid, text_field(j, "sub_mchid"));
  RECHARGED_TRY(in.amount, amount_field(j));
  const std::pair<const char*, std::string*> texts[] = {{"out_recharge_no", &in.out_recharge_no},
                                                        {"recharge_scene", &in.scene},
                                                        {"account_type", &in.account_type},
                                                        {"notify_url", &in.notify_url},
                                                        {"remark", &in.remark}};
  for (const auto& [name, target] : texts)
    if (j.contains(name)) {
      RECHARGED_TRY(*target, text_field(j, name));
    }
  if (j.contains("channels")) {
    RECHARGED_TRY(in.channels, channels_field(j));
  }
  return in;
}

std::string request_hash(const engine::ApplyInput& in) {
  const json canonical{{"sub_mchid", in.sub_mchid},       {"amount_fen", in.amount},
                       {"out_recharge_no", in.out_recharge_no}, {"recharge_scene", in.scene},
                       {"account_type", in.account_type}, {"channels", in.channels},
                       {"notify_url", in.notify_url},     {"remark", in.remark}};
  return crypto::base64_encode(
      crypto::sha256(canonical.dump(-1, ' ', false, json::error_handler_t::replace)));
}

Status validate_idempotency_key(std::string_view key) {
  bool printable = !key.empty() && key.size() <= 255;
  for (const char c : key) printable = printable && c >= ' ' && c <= '~';
  if (!printable)
    return invalid("Idempotency-Key", "The Idempotency-Key header must be 1 to 255 printable ASCII characters "
                                      "(a UUID is a good choice).");
  return {};
}

Result<engine::ListQuery> parse_list_query(const QueryParams& q) {
  RECHARGED_CHECK(check_params(q, {"state", "sub_mchid", "since", "until", "after", "limit"}, {"state"}));
  engine::ListQuery out;
  out.max_limit = k_max_page;
  for (const auto& [k, v] : q) {
    if (k == "state") {
      for (std::size_t start = 0; start <= v.size();) {
        const auto comma = std::min(v.find(',', start), v.size());
        out.states.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (k == "sub_mchid") out.sub_mchid = v;
    else if (k == "since") out.since = v;
    else if (k == "until") out.until = v;
    else if (k == "after") out.after = v;
    else if (k == "limit") {
      RECHARGED_TRY(out.limit, int_param("limit", v, 1, k_max_page));
    }
  }
  return out;
}

Result<EventsQuery> parse_events_query(const QueryParams& q, Millis max_wait) {
  RECHARGED_CHECK(check_params(q, {"after", "limit", "wait"}, {}));
  EventsQuery out;
  for (const auto& [k, v] : q) {
    if (k == "after") {
      RECHARGED_TRY(out.after, storage::parse_event_cursor(v, "after"));
    } else if (k == "limit") {
      RECHARGED_TRY(out.limit, int_param("limit", v, 1, k_max_page));
    } else if (k == "wait") {
      auto d = parse_duration(v);
      if (!d || *d < Millis{0})
        return invalid("wait", "The query parameter wait must be a duration such as 30s or 500ms (at most " +
                                   format_duration(max_wait) + ").");
      out.wait = std::min(*d, max_wait);
    }
  }
  return out;
}

} // namespace recharged::api
