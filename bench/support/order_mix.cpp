#include "bench/support/order_mix.hpp"

#include <cmath>
#include <random>

namespace recharged::bench {
namespace {

using wxpay::RechargeChannel;

constexpr double k_rejected = 0.005;     // the apply is refused
constexpr double k_suspect = 0.0002;     // the platform later contradicts us
constexpr double k_never = 0.10;         // payers who never pay (closed as stale at 6 days)
constexpr double k_qr = 0.50;
constexpr double k_bank = 0.30;          // the rest pay by online banking
constexpr double k_notified = 0.95;      // SUCCESS notifications that arrive
constexpr double k_returned = 0.02;      // bank and online payments sent back later
constexpr int k_sub_merchants = 50;

Millis exponential(std::mt19937_64& rng, Millis mean, Millis cap) {
  std::exponential_distribution<double> d(1.0 / static_cast<double>(mean.count()));
  return std::min(cap, Millis{static_cast<Millis::rep>(d(rng)) + 1000});
}

// What the request allows: 70% all channels, 20% QR only, 10% bank transfer only.
std::vector<std::string> channels_for(double u) {
  if (u < 0.70) return {};
  if (u < 0.90) return {"QR_RECHARGE"};
  return {"BANK_TRANSFER"};
}

std::optional<RechargeChannel> payer_for(double u, const std::vector<std::string>& channels) {
  if (u < k_never) return std::nullopt;
  RechargeChannel c = u < k_never + k_qr ? RechargeChannel::qr_recharge
                      : u < k_never + k_qr + k_bank ? RechargeChannel::bank_transfer
                                                    : RechargeChannel::online_bank;
  if (channels.size() == 1)
    c = channels.front() == "QR_RECHARGE" ? RechargeChannel::qr_recharge : RechargeChannel::bank_transfer;
  return c;
}

Millis pay_delay(std::mt19937_64& rng, RechargeChannel c) {
  using namespace std::chrono;
  const Millis cap = days{5};
  switch (c) {
  case RechargeChannel::qr_recharge: return exponential(rng, minutes{4}, cap);
  case RechargeChannel::online_bank: return exponential(rng, minutes{15}, cap);
  default: return exponential(rng, hours{3}, cap);
  }
}

} // namespace

LifePlan draw_plan(const MixOptions& o, std::int64_t number) {
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(number));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  LifePlan p;
  p.number = number;
  const double spacing_ms = 86'400'000.0 / o.per_day;
  const auto before = static_cast<Millis::rep>((static_cast<double>(o.orders - number) - unit(rng)) * spacing_ms);
  p.created = o.as_of - Millis{before};
  p.sub_mchid = std::to_string(1'900'000'101 + number % k_sub_merchants);
  p.amount = static_cast<Fen>(std::exp(unit(rng) * std::log(50'000.0)) * 100.0);
  p.channels = channels_for(unit(rng));
  const double fate = unit(rng);
  if (fate < k_rejected) {
    p.rejected = true;
    return p;
  }
  if (fate < k_rejected + k_suspect) p.contradiction_at = p.created + std::chrono::minutes{10};
  p.paid_by = payer_for(unit(rng), p.channels);
  if (!p.paid_by) return p;
  p.lands_at = p.created + pay_delay(rng, *p.paid_by);
  p.notified = unit(rng) < k_notified;
  if (*p.paid_by != RechargeChannel::qr_recharge && unit(rng) < k_returned)
    p.returned_at = p.lands_at + std::chrono::hours{26};
  return p;
}

} // namespace recharged::bench
