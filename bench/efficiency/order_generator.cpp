#include "bench/efficiency/order_generator.hpp"

#include "sandbox/rng.hpp"
#include "schedule/settlement_calendar.hpp"
#include "sandbox/apply_rules.hpp"

#include <algorithm>
#include <cmath>

namespace recharged::bench::efficiency {
namespace {

using sandbox::RechargeChannel;

Millis uniform(sandbox::Rng& rng, Millis lo, Millis hi) { return Millis{rng.between(lo.count(), hi.count() - 1)}; }

TimePoint draw_apply_at(const Workload& w, sandbox::Rng& rng) {
  Millis total{0};
  for (const auto& p : w.periods) total += std::chrono::days{p.days};
  Millis pick = uniform(rng, Millis{0}, total);
  for (const auto& p : w.periods) {
    const Millis length = std::chrono::days{p.days};
    if (pick >= length) {
      pick -= length;
      continue;
    }
    const TimePoint t = p.start + pick;
    if (!rng.chance(w.daytime_share)) return t;
    // Same Shanghai day, inside daytime hours (and still inside the period).
    const TimePoint day = schedule::shanghai_midnight(schedule::shanghai_date(t));
    const TimePoint moved = day + uniform(rng, w.daytime_from, w.daytime_to);
    return std::clamp(moved, p.start, p.start + length - Millis{1});
  }
  return w.periods.front().start;
}

Fen draw_amount(const Workload& w, sandbox::Rng& rng) {
  const double lo = std::log(static_cast<double>(w.amount_min));
  const double hi = std::log(static_cast<double>(w.amount_max));
  const auto fen = static_cast<Fen>(std::exp(lo + (hi - lo) * rng.uniform()));
  return std::clamp<Fen>(fen / 100 * 100, w.amount_min, w.amount_max); // whole yuan
}

const ChannelOffer& draw_offer(const Workload& w, sandbox::Rng& rng) {
  double total = 0;
  for (const auto& o : w.offers) total += o.share;
  double u = rng.uniform() * total;
  for (const auto& o : w.offers) {
    if (u < o.share) return o;
    u -= o.share;
  }
  return w.offers.back();
}

std::string order_number(std::uint64_t seed, std::size_t i) {
  std::string n = std::to_string(i);
  return "EFF" + std::to_string(seed) + "N" + std::string(n.size() < 7 ? 7 - n.size() : 0, '0') + n;
}

} // namespace

std::vector<OrderSpec> generate_orders(const Workload& w) {
  std::vector<OrderSpec> out;
  out.reserve(w.orders);
  for (std::size_t i = 0; i < w.orders; ++i) {
    sandbox::Rng rng = sandbox::Rng::derived(w.seed, "workload-order:" + std::to_string(i));
    OrderSpec o;
    o.out_recharge_no = order_number(w.seed, i);
    o.apply_at = draw_apply_at(w, rng);
    o.amount = draw_amount(w, rng);
    o.channels = draw_offer(w, rng).channels;
    const bool qr_only = o.channels.size() == 1 && o.channels.front() == RechargeChannel::qr_recharge;
    if (qr_only) o.amount = std::min(o.amount, sandbox::k_qr_limit); // the platform refuses more
    out.push_back(std::move(o));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const OrderSpec& a, const OrderSpec& b) { return a.apply_at < b.apply_at; });
  return out;
}

sandbox::ApplyRequest apply_request(const OrderSpec& spec) {
  sandbox::ApplyRequest r;
  r.sub_mchid = "1900000101";
  r.out_recharge_no = spec.out_recharge_no;
  r.recharge_scene = sandbox::RechargeScene::ecommerce_deposit;
  r.account_type = sandbox::AccountType::deposit;
  r.recharge_amount = sandbox::Amount{spec.amount, "CNY"};
  r.available_recharge_channels = spec.channels;
  return r;
}

} // namespace recharged::bench::efficiency
