#pragma once

#include "core/time.hpp"

#include <cstdint>
#include <optional>

namespace recharged::webhooks {

// When a delivery is tried again after it failed (any answer but 2xx, a timeout, a connection failure): the
// schedule Svix made common — at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure,
// about 28 hours in all — with each wait moved by up to ±10 % (deterministic in `seed`, so retries of many
// messages spread out). Pure.
inline constexpr int k_max_attempts = 8;

// The wait before attempt number `attempts + 1`, given `attempts` failed so far (≥ 1); nullopt once all
// k_max_attempts failed: the delivery is given up ("failed") and reported.
[[nodiscard]] std::optional<Millis> retry_delay(int attempts, std::uint64_t seed);

} // namespace recharged::webhooks
