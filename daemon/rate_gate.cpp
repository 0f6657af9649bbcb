#include "daemon/rate_gate.hpp"

#include "storage/pg_nodes.hpp"

#include <algorithm>

namespace recharged::daemon {

schedule::TokenBucketConfig bucket_config(double rate, int burst) {
  schedule::TokenBucketConfig c;
  c.rate_per_second = rate;
  c.burst = std::max(1.0, static_cast<double>(burst));
  c.min_rate_per_second = std::min(rate, std::max(0.05, rate / 50));
  return c;
}

RateGate::RateGate(const config::LimitsConfig& l, Clock& clock, StopSignal& stop)
    : clock_(clock), stop_(stop), query_(bucket_config(l.query_rate, l.burst), clock.now()),
      apply_(bucket_config(l.apply_rate, l.burst), clock.now()),
      close_(bucket_config(l.close_rate, l.burst), clock.now()) {}

schedule::TokenBucket& RateGate::bucket(wxpay::Endpoint e) {
  switch (e) {
  case wxpay::Endpoint::apply: return apply_;
  case wxpay::Endpoint::close: return close_;
  case wxpay::Endpoint::query: break;
  }
  return query_;
}

bool RateGate::enter(wxpay::Endpoint endpoint) {
  bool waited = false;
  while (!stop_.stop_requested()) {
    std::optional<Millis> wait;
    TimePoint now;
    {
      std::lock_guard lock(mu_);
      now = clock_.now();
      wait = bucket(endpoint).try_take(now);
      if (wait && !waited) {
        ++stats_.waits;
        waited = true;
      }
    }
    if (!wait) return true;
    if (!clock_.sleep_until(now + *wait, stop_)) return false;
  }
  return false;
}

void RateGate::leave(wxpay::Endpoint endpoint, const Error* error) {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  if (error != nullptr && error->kind == ErrorKind::rate_limited) {
    ++stats_.rate_limited;
    bucket(endpoint).on_rate_limited(now);
  } else if (error == nullptr) {
    bucket(endpoint).on_success(now);
  }
}

config::LimitsConfig limits_share(const config::LimitsConfig& limits, int nodes) {
  config::LimitsConfig share = limits;
  share.query_rate = storage::pg::budget_share(limits.query_rate, nodes);
  share.apply_rate = storage::pg::budget_share(limits.apply_rate, nodes);
  share.close_rate = storage::pg::budget_share(limits.close_rate, nodes);
  share.burst = std::max(1, limits.burst / std::max(nodes, 1));
  return share;
}

void RateGate::configure(const config::LimitsConfig& l) {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  query_ = schedule::TokenBucket(bucket_config(l.query_rate, l.burst), now);
  apply_ = schedule::TokenBucket(bucket_config(l.apply_rate, l.burst), now);
  close_ = schedule::TokenBucket(bucket_config(l.close_rate, l.burst), now);
}

RateGate::Stats RateGate::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.query_rate = query_.rate();
  s.apply_rate = apply_.rate();
  s.close_rate = close_.rate();
  return s;
}

} // namespace recharged::daemon
