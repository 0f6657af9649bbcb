#include "webhooks/retry_schedule.hpp"

#include "schedule/jitter.hpp"

#include <array>
#include <chrono>

namespace recharged::webhooks {
namespace {

using namespace std::chrono_literals;

// The wait after the n-th failure (index n-1). The first attempt is made at once, when the event is recorded.
constexpr std::array<Millis, k_max_attempts - 1> k_waits{Millis{5s},  Millis{5min}, Millis{30min}, Millis{2h},
                                                         Millis{5h},  Millis{10h},  Millis{10h}};

} // namespace

std::optional<Millis> retry_delay(int attempts, std::uint64_t seed) {
  if (attempts < 1 || attempts >= k_max_attempts) return std::nullopt;
  const Millis wait = k_waits[static_cast<std::size_t>(attempts - 1)];
  const double shift = (schedule::unit_interval(schedule::mix_seed(seed, static_cast<std::uint64_t>(attempts))) - 0.5) * 0.2;
  return Millis{wait.count() + static_cast<Millis::rep>(static_cast<double>(wait.count()) * shift)};
}

} // namespace recharged::webhooks
