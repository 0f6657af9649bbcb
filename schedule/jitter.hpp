#pragma once

#include <cstdint>
#include <string_view>

namespace recharged::schedule {

// Deterministic jitter: a stable 64-bit hash (FNV-1a, then a splitmix64 finaliser) that is the same on every
// host, compiler and run, so a plan can be recomputed and explained. No RNG state anywhere.

// A seed for one decision about one order: hash of (out_recharge_no, n), n usually the order's poll_count.
[[nodiscard]] std::uint64_t jitter_seed(std::string_view out_recharge_no, std::int64_t n) noexcept;
// Mixes `salt` into `seed` (for the i-th draw made from one seed).
[[nodiscard]] std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t salt) noexcept;
// A value in [0, 1) uniformly spread over the seed's bits.
[[nodiscard]] double unit_interval(std::uint64_t seed) noexcept;

} // namespace recharged::schedule
