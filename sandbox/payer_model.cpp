#include "sandbox/payer_model.hpp"

#include "sandbox/apply_rules.hpp"
#include "sandbox/rng.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace recharged::sandbox {
namespace {

constexpr Millis k_min_settle{3'000};
constexpr Millis k_max_delay = std::chrono::hours{24 * 60};

bool allows(const OrderFacts& order, RechargeChannel c) {
  return order.channels.empty() || std::find(order.channels.begin(), order.channels.end(), c) != order.channels.end();
}

std::optional<RechargeChannel> pick_channel(Rng& rng, const PayerMix& mix, const OrderFacts& order) {
  const std::array<std::pair<RechargeChannel, double>, 3> weights{{
      {RechargeChannel::qr_recharge, order.amount <= k_qr_limit ? mix.qr : 0.0},
      {RechargeChannel::bank_transfer, mix.bank_transfer},
      {RechargeChannel::online_bank, mix.online_bank},
  }};
  double total = 0;
  for (const auto& [c, w] : weights)
    if (allows(order, c) && w > 0) total += w;
  if (total <= 0) return std::nullopt;
  double u = rng.uniform() * total;
  for (const auto& [c, w] : weights) {
    if (!allows(order, c) || w <= 0) continue;
    if (u < w) return c;
    u -= w;
  }
  return weights.back().first;
}

Millis log_normal(Rng& rng, Millis median, double spread) {
  const double factor = std::exp(spread * rng.normal());
  const double ms = std::min(static_cast<double>(median.count()) * factor, static_cast<double>(k_max_delay.count()));
  return Millis{std::max<Millis::rep>(1'000, static_cast<Millis::rep>(ms))};
}

Millis median_delay(const PayerMix& mix, RechargeChannel c) {
  switch (c) {
  case RechargeChannel::bank_transfer: return mix.bank_transfer_delay;
  case RechargeChannel::online_bank: return mix.online_bank_delay;
  default: return mix.qr_delay;
  }
}

Millis settle_need(Rng& rng, const PayerMix& mix, RechargeChannel c) {
  const Millis max = c == RechargeChannel::bank_transfer ? mix.bank_settle_max : mix.qr_settle_max;
  return Millis{rng.between(k_min_settle.count(), std::max(k_min_settle, max).count())};
}

// Office hours of payers who send a bank transfer later (Shanghai time; 17:15–18:00 is already a closed window).
constexpr Millis k_office_open = std::chrono::hours{9};
constexpr Millis k_office_close = std::chrono::hours{18};

// A random office-hour instant on one of the first `days` days from the apply day, after the apply and before
// the link expires; nullopt when no draw fits (e.g. a single day and an apply after 18:00).
std::optional<TimePoint> office_hours_time(Rng& rng, int days, const OrderFacts& order) {
  const TimePoint first_day = schedule::shanghai_midnight(schedule::shanghai_date(order.applied_at));
  for (int attempt = 0; attempt < 16; ++attempt) {
    const TimePoint day = first_day + std::chrono::days{1} * rng.between(0, std::max(1, days) - 1);
    const TimePoint t = day + k_office_open + Millis{rng.between(0, (k_office_close - k_office_open).count() - 1)};
    if (t > order.applied_at && t < order.expires_at) return t;
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 6> k_banks{"中国银行", "工商银行", "建设银行", "农业银行", "招商银行", "交通银行"};

} // namespace

PayerModel::PayerModel(PayerMix mix, std::uint64_t seed, const schedule::SettlementCalendar& calendar)
    : mix_(mix), seed_(seed), calendar_(calendar) {}

TimePoint PayerModel::lands_at(RechargeChannel channel, TimePoint paid_at, Millis need) const {
  if (channel != RechargeChannel::bank_transfer) return paid_at + need;
  // A bank transfer moves only while the interbank system is open: spend `need` of open time.
  TimePoint t = calendar_.next_interbank_open(paid_at);
  for (int i = 0; i < 400; ++i) {
    const TimePoint closes = calendar_.next_interbank_close(t);
    if (closes <= t || t + need <= closes) return t + need;
    need -= std::chrono::duration_cast<Millis>(closes - t);
    t = calendar_.next_interbank_open(closes);
  }
  return t + need;
}

PayerDetails PayerModel::details(const OrderFacts& order, RechargeChannel channel, std::string_view salt) const {
  Rng rng = Rng::derived(seed_, "details:" + order.out_recharge_no + ":" + std::string(salt));
  PayerDetails d;
  d.bank_name = std::string(k_banks[static_cast<std::size_t>(rng.between(0, std::ssize(k_banks) - 1))]);
  d.bank_card_tail = std::to_string(rng.between(1000, 9999));
  d.bank_account_name = "沙箱商户" + order.sub_mchid + "有限公司";
  if (channel == RechargeChannel::bank_transfer) {
    d.bill_no = rng.digits(30);
    d.memo = "充值 " + order.out_recharge_no;
  } else if (channel == RechargeChannel::online_bank) {
    d.bill_no = rng.digits(21);
    d.online_bank_type = rng.chance(0.8) ? "ONLINE_BANK_TYPE_CORPORATE" : "ONLINE_BANK_TYPE_PERSONAL";
  } else {
    d.openid = "o" + rng.alnum(27);
    const double u = rng.uniform();
    d.employee_type = u < 0.7 ? "STAFF" : u < 0.9 ? "ADMIN" : "LEGAL_PERSON";
  }
  return d;
}

Payment PayerModel::payment(const OrderFacts& order, RechargeChannel channel, TimePoint paid_at) const {
  Rng rng = Rng::derived(seed_, "pay:" + order.out_recharge_no + ":" + std::to_string(paid_at.time_since_epoch().count()));
  Payment p;
  p.channel = channel;
  p.paid_at = paid_at;
  p.lands_at = lands_at(channel, paid_at, settle_need(rng, mix_, channel));
  p.amount = order.amount;
  p.payer = details(order, channel, std::to_string(paid_at.time_since_epoch().count()));
  return p;
}

PayerPlan PayerModel::plan(const OrderFacts& order) const {
  Rng rng = Rng::derived(seed_, "payer:" + order.out_recharge_no);
  PayerPlan plan;
  if (rng.chance(mix_.never)) return plan;
  const auto channel = pick_channel(rng, mix_, order);
  if (!channel) return plan;
  TimePoint paid = order.applied_at + log_normal(rng, median_delay(mix_, *channel), mix_.delay_spread);
  if (*channel == RechargeChannel::bank_transfer && mix_.bank_later > 0) {
    // Its own stream, so payers who do not transfer later draw exactly what they drew without this option.
    Rng later = Rng::derived(seed_, "later:" + order.out_recharge_no);
    if (later.chance(mix_.bank_later))
      if (const auto t = office_hours_time(later, mix_.bank_later_days, order)) paid = *t;
  }
  if (paid >= order.expires_at) return plan; // came back after the link expired
  Payment first = payment(order, *channel, paid);
  const bool returned = *channel != RechargeChannel::qr_recharge && rng.chance(mix_.returned);
  if (!returned) {
    plan.payments.push_back(std::move(first));
    return plan;
  }
  if (rng.chance(0.5)) {
    first.return_reason = std::string(k_return_wrong_amount);
    first.amount = std::max<Fen>(1, order.amount - rng.between(1, 100) * 100);
  } else {
    first.return_reason = std::string(k_return_wrong_name);
    first.payer.bank_account_name = "张三";
  }
  const TimePoint retry = first.lands_at + log_normal(rng, std::chrono::hours{1}, mix_.delay_spread);
  plan.payments.push_back(std::move(first));
  if (rng.chance(mix_.repay_after_return) && retry < order.expires_at)
    plan.payments.push_back(payment(order, *channel, retry));
  return plan;
}

namespace {

Result<double> share(std::string_view key, std::string_view value, bool weight) {
  double v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || !(v >= 0) || (!weight && v > 1))
    return Error::invalid("payer_mix", "The payer mix value " + std::string(key) + "=" + std::string(value) +
                                           " is invalid: it must be a number " + (weight ? ">= 0." : "from 0 to 1."));
  return v;
}

Result<int> day_count(std::string_view key, std::string_view value) {
  int v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < 1 || v > 7)
    return Error::invalid("payer_mix", "The payer mix value " + std::string(key) + "=" + std::string(value) +
                                           " is invalid: it must be a whole number of days from 1 to 7.");
  return v;
}

Result<Millis> delay(std::string_view key, std::string_view value) {
  auto d = parse_duration(value);
  if (!d || d->count() <= 0)
    return Error::invalid("payer_mix", "The payer mix value " + std::string(key) + "=" + std::string(value) +
                                           " is invalid: it must be a positive duration such as 90s, 4m or 3h.");
  return *d;
}

Status apply_pair(PayerMix& mix, std::string_view key, std::string_view value) {
  if (key == "never") { RECHARGED_TRY(mix.never, share(key, value, false)); return {}; }
  if (key == "returned") { RECHARGED_TRY(mix.returned, share(key, value, false)); return {}; }
  if (key == "repay") { RECHARGED_TRY(mix.repay_after_return, share(key, value, false)); return {}; }
  if (key == "qr") { RECHARGED_TRY(mix.qr, share(key, value, true)); return {}; }
  if (key == "bank") { RECHARGED_TRY(mix.bank_transfer, share(key, value, true)); return {}; }
  if (key == "online") { RECHARGED_TRY(mix.online_bank, share(key, value, true)); return {}; }
  if (key == "spread") { RECHARGED_TRY(mix.delay_spread, share(key, value, true)); return {}; }
  if (key == "qr_delay") { RECHARGED_TRY(mix.qr_delay, delay(key, value)); return {}; }
  if (key == "bank_delay") { RECHARGED_TRY(mix.bank_transfer_delay, delay(key, value)); return {}; }
  if (key == "online_delay") { RECHARGED_TRY(mix.online_bank_delay, delay(key, value)); return {}; }
  if (key == "bank_later") { RECHARGED_TRY(mix.bank_later, share(key, value, false)); return {}; }
  if (key == "bank_later_days") { RECHARGED_TRY(mix.bank_later_days, day_count(key, value)); return {}; }
  return Error::invalid("payer_mix", "The payer mix key '" + std::string(key.substr(0, 40)) +
                                         "' is unknown: use never, qr, bank, online, returned, repay, qr_delay, "
                                         "bank_delay, online_delay, spread, bank_later or bank_later_days.");
}

} // namespace

Result<PayerMix> parse_payer_mix(std::string_view text) {
  PayerMix mix;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Error::invalid("payer_mix", "The payer mix item '" + std::string(item.substr(0, 40)) +
                                             "' is invalid: write key=value pairs separated by commas.");
    RECHARGED_CHECK(apply_pair(mix, item.substr(0, eq), item.substr(eq + 1)));
  }
  return mix;
}

std::string format_payer_mix(const PayerMix& mix) {
  auto num = [](double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("0");
  };
  return "never=" + num(mix.never) + ",qr=" + num(mix.qr) + ",bank=" + num(mix.bank_transfer) +
         ",online=" + num(mix.online_bank) + ",returned=" + num(mix.returned) +
         ",repay=" + num(mix.repay_after_return) + ",qr_delay=" + format_duration(mix.qr_delay) +
         ",bank_delay=" + format_duration(mix.bank_transfer_delay) +
         ",online_delay=" + format_duration(mix.online_bank_delay) + ",spread=" + num(mix.delay_spread) +
         ",bank_later=" + num(mix.bank_later) + ",bank_later_days=" + std::to_string(mix.bank_later_days);
}

} // namespace recharged::sandbox
