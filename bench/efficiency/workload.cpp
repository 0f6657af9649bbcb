#include "bench/efficiency/workload.hpp"

#include "core/file.hpp"
#include "sandbox/apply_rules.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <optional>

namespace recharged::bench::efficiency {
namespace {

using json = nlohmann::json;
using sandbox::RechargeChannel;

// One object of the workload file with its dotted path, for reading keys with precise errors.
class Section {
public:
  Section(const json& object, std::string path, std::string_view origin)
      : object_(object), path_(std::move(path)), origin_(origin) {}

  [[nodiscard]] std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  [[nodiscard]] Error bad(std::string_view key, const std::string& value, std::string_view rule) const {
    return Error::invalid("workload." + name(key), std::string(origin_) + ": " + name(key) + " = " +
                                                       value.substr(0, 60) + " is invalid: " + std::string(rule));
  }
  [[nodiscard]] const json* find(std::string_view key) const {
    const auto it = object_.find(std::string(key));
    return it == object_.end() ? nullptr : &*it;
  }

  // Refuses keys other than `keys` (a typo must not silently fall back to a default).
  [[nodiscard]] Status only(std::initializer_list<std::string_view> keys) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      std::string known;
      for (const auto k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
      return Error::invalid("workload." + name(key), std::string(origin_) + ": the key " + name(key) +
                                                         " is unknown here; the keys are " + known + ".");
    }
    return {};
  }

  [[nodiscard]] Result<double> number(std::string_view key, double fallback, double lo, double hi) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number() || v->get<double>() < lo || v->get<double>() > hi)
      return bad(key, v->dump(), "it must be a number from " + trim(lo) + " to " + trim(hi) + ".");
    return v->get<double>();
  }

  [[nodiscard]] Result<std::int64_t> integer(std::string_view key, std::int64_t fallback, std::int64_t lo,
                                             std::int64_t hi) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer() || v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi)
      return bad(key, v->dump(),
                 "it must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ".");
    return v->get<std::int64_t>();
  }

  [[nodiscard]] Result<std::string> text(std::string_view key, std::string fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) return bad(key, v->dump(), "it must be a string.");
    return v->get<std::string>();
  }

  [[nodiscard]] Result<Millis> duration(std::string_view key, Millis fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    const std::string rule = "it must be a positive duration such as \"90s\", \"4m\" or \"3h\".";
    if (!v->is_string()) return bad(key, v->dump(), rule);
    const auto d = parse_duration(v->get<std::string>());
    if (!d || d->count() <= 0) return bad(key, v->dump(), rule);
    return *d;
  }

  [[nodiscard]] Result<Section> object(std::string_view key) const {
    const json* v = find(key);
    if (v == nullptr) return Section(empty_object(), name(key), origin_);
    if (!v->is_object()) return bad(key, v->dump(), "it must be an object.");
    return Section(*v, name(key), origin_);
  }

  [[nodiscard]] std::string_view origin() const noexcept { return origin_; }

private:
  static std::string trim(double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("?");
  }
  static const json& empty_object() {
    static const json k_empty = json::object();
    return k_empty;
  }

  const json& object_;
  std::string path_;
  std::string_view origin_;
};

// "08:00" → 8 h; hours 0–24, minutes 0–59.
std::optional<Millis> clock_time(std::string_view t) {
  int h = -1;
  int m = -1;
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  if (std::from_chars(t.data(), t.data() + 2, h).ptr != t.data() + 2) return std::nullopt;
  if (std::from_chars(t.data() + 3, t.data() + 5, m).ptr != t.data() + 5) return std::nullopt;
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return std::chrono::hours{h} + std::chrono::minutes{m};
}

Status read_apply(const Section& s, Workload& w) {
  RECHARGED_CHECK(s.only({"periods", "daytime_share", "daytime_hours"}));
  const json* periods = s.find("periods");
  if (periods == nullptr || !periods->is_array() || periods->empty())
    return s.bad("periods", periods ? periods->dump() : "(missing)",
                 "give at least one {\"start\": \"2026-09-24T00:00:00+08:00\", \"days\": 7}.");
  for (std::size_t i = 0; i < periods->size(); ++i) {
    const json& p = (*periods)[i];
    if (!p.is_object()) return s.bad("periods", p.dump(), "each period must be an object.");
    const Section ps(p, s.name("periods") + "[" + std::to_string(i) + "]", s.origin());
    RECHARGED_CHECK(ps.only({"start", "days"}));
    RECHARGED_TRY(const std::string start, ps.text("start", ""));
    const auto at = parse_rfc3339(start);
    if (!at) return ps.bad("start", start, "it must be an RFC 3339 time such as \"2026-09-24T00:00:00+08:00\".");
    RECHARGED_TRY(const std::int64_t days, ps.integer("days", 7, 1, 366));
    w.periods.push_back({*at, static_cast<int>(days)});
  }
  RECHARGED_TRY(w.daytime_share, s.number("daytime_share", w.daytime_share, 0, 1));
  if (const json* hours = s.find("daytime_hours")) {
    const bool pair = hours->is_array() && hours->size() == 2 && (*hours)[0].is_string() && (*hours)[1].is_string();
    const auto from = pair ? clock_time((*hours)[0].get<std::string>()) : std::nullopt;
    const auto to = pair ? clock_time((*hours)[1].get<std::string>()) : std::nullopt;
    if (!from || !to || *from >= *to)
      return s.bad("daytime_hours", hours->dump(), "give [\"HH:MM\", \"HH:MM\"] with the first before the second.");
    w.daytime_from = *from;
    w.daytime_to = *to;
  }
  return {};
}

Status read_amounts(const Section& s, Workload& w) {
  RECHARGED_CHECK(s.only({"min", "max"}));
  RECHARGED_TRY(const std::string min, s.text("min", format_yuan(w.amount_min)));
  RECHARGED_TRY(const std::string max, s.text("max", format_yuan(w.amount_max)));
  const auto lo = parse_amount(min);
  const auto hi = parse_amount(max);
  if (!lo || *lo <= 0) return s.bad("min", min, "it must be an amount in yuan such as \"100.00\".");
  if (!hi || *hi < *lo || *hi > sandbox::k_apply_limit)
    return s.bad("max", max, "it must be an amount in yuan from min up to 20000000.00.");
  w.amount_min = *lo;
  w.amount_max = *hi;
  return {};
}

Status read_offers(const Section& s, const json* offers, Workload& w) {
  if (offers == nullptr) {
    w.offers = {{1.0, {}}};
    return {};
  }
  if (!offers->is_array() || offers->empty())
    return s.bad("channel_offers", offers->dump(), "it must be a non-empty array of {\"share\", \"channels\"}.");
  double total = 0;
  for (std::size_t i = 0; i < offers->size(); ++i) {
    const json& o = (*offers)[i];
    if (!o.is_object()) return s.bad("channel_offers", o.dump(), "each offer must be an object.");
    const Section os(o, "channel_offers[" + std::to_string(i) + "]", s.origin());
    RECHARGED_CHECK(os.only({"share", "channels"}));
    ChannelOffer offer;
    RECHARGED_TRY(offer.share, os.number("share", 0, 0, 1));
    const json* channels = os.find("channels");
    if (channels != nullptr && !channels->is_array())
      return os.bad("channels", channels->dump(), "it must be an array.");
    for (const json& c : channels ? *channels : json::array()) {
      const auto parsed = c.is_string() ? sandbox::parse_channel(c.get<std::string>()) : std::nullopt;
      if (!parsed || std::find(offer.channels.begin(), offer.channels.end(), *parsed) != offer.channels.end())
        return os.bad("channels", c.dump(), "each channel is BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK, listed once.");
      offer.channels.push_back(*parsed);
    }
    total += offer.share;
    w.offers.push_back(std::move(offer));
  }
  if (total <= 0) return s.bad("channel_offers", offers->dump(), "the shares must add up to more than 0.");
  return {};
}

Status read_channel(const Section& payers, std::string_view key, double& weight, Millis& median) {
  RECHARGED_TRY(const Section s, payers.object(key));
  if (key == "bank_transfer") RECHARGED_CHECK(s.only({"weight", "median_delay", "later", "later_days"}));
  else RECHARGED_CHECK(s.only({"weight", "median_delay"}));
  RECHARGED_TRY(weight, s.number("weight", weight, 0, 1e6));
  RECHARGED_TRY(median, s.duration("median_delay", median));
  return {};
}

Status read_payers(const Section& s, sandbox::PayerMix& mix) {
  RECHARGED_CHECK(s.only({"never", "qr", "online_bank", "bank_transfer", "delay_spread", "returned",
                          "repay_after_return"}));
  RECHARGED_TRY(mix.never, s.number("never", mix.never, 0, 1));
  RECHARGED_CHECK(read_channel(s, "qr", mix.qr, mix.qr_delay));
  RECHARGED_CHECK(read_channel(s, "online_bank", mix.online_bank, mix.online_bank_delay));
  RECHARGED_CHECK(read_channel(s, "bank_transfer", mix.bank_transfer, mix.bank_transfer_delay));
  RECHARGED_TRY(const Section bank, s.object("bank_transfer"));
  RECHARGED_TRY(mix.bank_later, bank.number("later", mix.bank_later, 0, 1));
  RECHARGED_TRY(const std::int64_t later_days, bank.integer("later_days", mix.bank_later_days, 1, 7));
  mix.bank_later_days = static_cast<int>(later_days);
  RECHARGED_TRY(mix.delay_spread, s.number("delay_spread", mix.delay_spread, 0, 5));
  RECHARGED_TRY(mix.returned, s.number("returned", mix.returned, 0, 1));
  RECHARGED_TRY(mix.repay_after_return, s.number("repay_after_return", mix.repay_after_return, 0, 1));
  if (mix.qr + mix.online_bank + mix.bank_transfer <= 0)
    return s.bad("qr", "0", "at least one channel needs a weight above 0.");
  return {};
}

Status read_notifications(const Section& s, Workload& w) {
  RECHARGED_CHECK(s.only({"lost", "outage"}));
  RECHARGED_TRY(w.notifications_lost, s.number("lost", 1.0, 0, 1));
  RECHARGED_TRY(const Section outage, s.object("outage"));
  if (outage.find("start") == nullptr && outage.find("length") == nullptr) return {};
  RECHARGED_CHECK(outage.only({"start", "length"}));
  RECHARGED_TRY(const std::string start, outage.text("start", ""));
  const auto at = parse_rfc3339(start);
  if (!at) return outage.bad("start", start, "it must be an RFC 3339 time such as \"2026-11-18T10:00:00+08:00\".");
  w.outage_start = *at;
  RECHARGED_TRY(w.outage_length, outage.duration("length", std::chrono::hours{2}));
  return {};
}

json notifications_json(const Workload& w) {
  json n{{"lost", w.notifications_lost}};
  if (w.outage_length > Millis{0})
    n["outage"] = {{"start", format_rfc3339(w.outage_start)}, {"length", format_duration(w.outage_length)}};
  return n;
}

Result<Workload> read_workload(const json& root, std::string_view origin) {
  if (!root.is_object()) return Error::invalid("workload", std::string(origin) + ": a workload is a JSON object.");
  const Section s(root, "", origin);
  RECHARGED_CHECK(s.only({"name", "description", "orders", "seed", "apply", "amount_yuan", "channel_offers",
                          "payers", "notifications"}));
  Workload w;
  RECHARGED_TRY(w.name, s.text("name", "unnamed"));
  RECHARGED_TRY(const std::int64_t orders, s.integer("orders", 2000, 1, 1'000'000));
  w.orders = static_cast<std::size_t>(orders);
  RECHARGED_TRY(const std::int64_t seed, s.integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
  w.seed = static_cast<std::uint64_t>(seed);
  RECHARGED_TRY(const Section apply, s.object("apply"));
  RECHARGED_CHECK(read_apply(apply, w));
  RECHARGED_TRY(const Section amounts, s.object("amount_yuan"));
  RECHARGED_CHECK(read_amounts(amounts, w));
  RECHARGED_CHECK(read_offers(s, s.find("channel_offers"), w));
  RECHARGED_TRY(const Section payers, s.object("payers"));
  RECHARGED_CHECK(read_payers(payers, w.payers));
  RECHARGED_TRY(const Section notifications, s.object("notifications"));
  RECHARGED_CHECK(read_notifications(notifications, w));
  return w;
}

std::string hh_mm(Millis d) {
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf;
}

} // namespace

Result<Workload> parse_workload(std::string_view json_text, std::string_view origin) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    return Error::invalid("workload", std::string(origin) + ": the workload is not valid JSON (" + e.what() + ").");
  }
  return read_workload(root, origin);
}

Result<Workload> load_workload(const std::filesystem::path& path) {
  RECHARGED_TRY(const std::string text, read_file(path));
  return parse_workload(text, path.string());
}

std::string workload_json(const Workload& w) {
  json periods = json::array();
  for (const auto& p : w.periods) periods.push_back({{"start", format_rfc3339(p.start)}, {"days", p.days}});
  json offers = json::array();
  for (const auto& o : w.offers) {
    json channels = json::array();
    for (const auto c : o.channels) channels.push_back(std::string(sandbox::to_string(c)));
    offers.push_back({{"share", o.share}, {"channels", channels}});
  }
  const auto& m = w.payers;
  const json payers = {
      {"never", m.never},
      {"qr", {{"weight", m.qr}, {"median_delay", format_duration(m.qr_delay)}}},
      {"online_bank", {{"weight", m.online_bank}, {"median_delay", format_duration(m.online_bank_delay)}}},
      {"bank_transfer",
       {{"weight", m.bank_transfer}, {"median_delay", format_duration(m.bank_transfer_delay)},
        {"later", m.bank_later}, {"later_days", m.bank_later_days}}},
      {"delay_spread", m.delay_spread},
      {"returned", m.returned},
      {"repay_after_return", m.repay_after_return},
  };
  const json out = {
      {"name", w.name},
      {"orders", w.orders},
      {"seed", w.seed},
      {"apply",
       {{"periods", periods}, {"daytime_share", w.daytime_share},
        {"daytime_hours", {hh_mm(w.daytime_from), hh_mm(w.daytime_to)}}}},
      {"amount_yuan", {{"min", format_yuan(w.amount_min)}, {"max", format_yuan(w.amount_max)}}},
      {"channel_offers", offers},
      {"payers", payers},
      {"notifications", notifications_json(w)},
  };
  return out.dump();
}

} // namespace recharged::bench::efficiency
