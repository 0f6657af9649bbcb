#include "payer_mix.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace recharged::test::polling {

using namespace std::chrono;

namespace {

constexpr Millis k_link_lifetime = days{7};

Millis to_millis(double ms) { return Millis{static_cast<Millis::rep>(ms)}; }

std::vector<std::string> draw_channels(const PayerMix& mix, Draw& draw) {
  const double total = mix.offer_all + mix.offer_bank_only + mix.offer_qr_only + mix.offer_qr_online;
  double u = draw.uniform() * total;
  if ((u -= mix.offer_all) < 0) return {};
  if ((u -= mix.offer_bank_only) < 0) return {"BANK_TRANSFER"};
  if ((u -= mix.offer_qr_only) < 0) return {"QR_RECHARGE"};
  return {"QR_RECHARGE", "ONLINE_BANK"};
}

bool allows(const std::vector<std::string>& channels, const char* channel) {
  return channels.empty() || std::find(channels.begin(), channels.end(), channel) != channels.end();
}

PayerKind draw_kind(const PayerMix& mix, const std::vector<std::string>& channels, Draw& draw) {
  const std::array<std::pair<PayerKind, double>, 4> weights{{
      {PayerKind::qr, allows(channels, "QR_RECHARGE") ? mix.qr : 0.0},
      {PayerKind::online_bank, allows(channels, "ONLINE_BANK") ? mix.online_bank : 0.0},
      {PayerKind::bank_transfer, allows(channels, "BANK_TRANSFER") ? mix.bank_transfer : 0.0},
      {PayerKind::never, mix.never},
  }};
  double total = 0;
  for (const auto& w : weights) total += w.second;
  double u = draw.uniform() * total;
  for (const auto& [kind, weight] : weights)
    if ((u -= weight) < 0) return kind;
  return PayerKind::never;
}

Millis instant_delay(const PayerMix& mix, Millis median, Draw& draw) {
  if (draw.uniform() < mix.instant_late_share) return draw.log_uniform(minutes{30}, days{3});
  return draw.log_normal(median, mix.sigma, seconds{20}, k_link_lifetime);
}

// A random 09:00-19:00 Shanghai time on one of the next days, strictly inside the link's lifetime.
TimePoint bank_later(TimePoint applied_at, Draw& draw) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto day = schedule::shanghai_midnight(schedule::shanghai_date(applied_at)) +
                     days{static_cast<int>(draw.uniform() * 6.0)};
    const TimePoint t = day + draw.uniform(Millis{hours{9}}, Millis{hours{19}});
    if (t > applied_at + minutes{10} && t < applied_at + days{6}) return t;
  }
  return applied_at + hours{1};
}

} // namespace

PayerMix brief_mix() { return PayerMix{}; }

PayerMix sandbox_like_mix() {
  PayerMix m;
  m.offer_all = 1.0;
  m.offer_bank_only = m.offer_qr_only = m.offer_qr_online = 0.0;
  m.never = 0.15;
  m.qr = 0.45 * 0.85;
  m.bank_transfer = 0.35 * 0.85;
  m.online_bank = 0.20 * 0.85;
  m.qr_median = minutes{4};
  m.online_median = minutes{15};
  m.bank_median = hours{3};
  m.sigma = 1.0;
  m.instant_late_share = 0.0;
  m.bank_later_share = 0.0;
  return m;
}

const char* to_string(PayerKind k) noexcept {
  switch (k) {
  case PayerKind::qr: return "qr";
  case PayerKind::online_bank: return "online_bank";
  case PayerKind::bank_transfer: return "bank_transfer";
  case PayerKind::never: return "never";
  }
  return "never";
}

double Draw::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

double Draw::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

double Draw::normal() {
  const double u1 = 1.0 - uniform(); // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

Millis Draw::uniform(Millis lo, Millis hi) {
  return to_millis(uniform(static_cast<double>(lo.count()), static_cast<double>(hi.count())));
}

Millis Draw::log_uniform(Millis lo, Millis hi) {
  const double a = std::log(static_cast<double>(lo.count()));
  const double b = std::log(static_cast<double>(hi.count()));
  return to_millis(std::exp(uniform(a, b)));
}

Millis Draw::log_normal(Millis median, double sigma, Millis lo, Millis hi) {
  const double v = static_cast<double>(median.count()) * std::exp(sigma * normal());
  return std::clamp(to_millis(v), lo, hi);
}

TimePoint landing_time(PayerKind kind, TimePoint pays_at, const schedule::SettlementCalendar& cal, Draw& draw) {
  if (kind != PayerKind::bank_transfer) return pays_at + draw.uniform(Millis{seconds{5}}, Millis{minutes{3}});
  const Millis settle = draw.uniform(Millis{minutes{1}}, Millis{minutes{10}});
  const TimePoint direct = pays_at + settle;
  if (cal.interbank_open(pays_at) && cal.next_interbank_close(pays_at) > direct) return direct;
  const TimePoint reopens = cal.next_interbank_open(cal.next_interbank_close(pays_at));
  return reopens + draw.uniform(Millis{minutes{1}}, Millis{minutes{10}});
}

Payer draw_payer(const PayerMix& mix, TimePoint applied_at, const schedule::SettlementCalendar& cal, Draw& draw) {
  Payer p;
  p.channels = draw_channels(mix, draw);
  p.kind = draw_kind(mix, p.channels, draw);
  switch (p.kind) {
  case PayerKind::never: return p;
  case PayerKind::qr: p.pays_at = applied_at + instant_delay(mix, mix.qr_median, draw); break;
  case PayerKind::online_bank: p.pays_at = applied_at + instant_delay(mix, mix.online_median, draw); break;
  case PayerKind::bank_transfer:
    p.pays_at = draw.uniform() < mix.bank_later_share
                    ? bank_later(applied_at, draw)
                    : applied_at + draw.log_normal(mix.bank_median, mix.sigma, seconds{20}, k_link_lifetime);
    break;
  }
  if (*p.pays_at >= applied_at + k_link_lifetime) p.pays_at.reset();
  if (p.pays_at) p.lands_at = landing_time(p.kind, *p.pays_at, cal, draw);
  return p;
}

} // namespace recharged::test::polling
