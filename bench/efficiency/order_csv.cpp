#include "bench/efficiency/order_csv.hpp"

#include <cstdio>

namespace recharged::bench::efficiency {
namespace {

std::string when(const std::optional<TimePoint>& t) { return t ? format_rfc3339(*t) : ""; }

std::string offered(const OrderSpec& spec) {
  if (spec.channels.empty()) return "ALL";
  std::string s;
  for (const auto c : spec.channels) s += (s.empty() ? "" : "+") + std::string(sandbox::to_string(c));
  return s;
}

// The payment that made the order SUCCESS, if any.
const sandbox::Payment* credited_by(const sandbox::OrderTruth& t) {
  if (!t.deposit.success_time) return nullptr;
  for (const auto& p : t.plan.payments)
    if (!p.return_reason && p.lands_at == *t.deposit.success_time) return &p;
  return nullptr;
}

std::string row(const OrderRecord& r) {
  const auto& t = r.truth;
  const sandbox::Payment* p = credited_by(t);
  std::string latency;
  if (r.detected_at && t.deposit.success_time) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f",
                  static_cast<double>((*r.detected_at - *t.deposit.success_time).count()) / 60'000.0);
    latency = buf;
  }
  const std::uint64_t calls = t.applies + t.queries + t.closes;
  return r.spec.out_recharge_no + "," + offered(r.spec) + "," + format_rfc3339(r.spec.apply_at) + "," +
         (p ? std::string(sandbox::to_string(p->channel)) : "") + "," + (p ? format_rfc3339(p->paid_at) : "") + "," +
         (p ? format_rfc3339(p->lands_at) : "") + "," + when(r.detected_at) + "," + latency + "," +
         std::to_string(calls) + "," + std::to_string(t.plan.payments.size()) + "," + std::to_string(t.returns.size()) +
         "," + std::string(sandbox::to_string(t.deposit.recharge_state)) + "," + t.deposit.recharge_state_desc.value_or("") + "\n";
}

} // namespace

std::string orders_csv(const ReplayResult& result) {
  std::string out = "out_recharge_no,offered,applied_at,paid_channel,paid_at,landed_at,detected_at,latency_min,calls,"
                    "payments,returned,platform_state,platform_state_desc\n";
  for (const auto& r : result.orders) out += row(r);
  return out;
}

} // namespace recharged::bench::efficiency
