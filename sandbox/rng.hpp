#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace recharged::sandbox {

// A small seeded generator (splitmix64) whose sequence is fixed by this code alone, unlike the std
// distributions, so a seed reproduces the same payers on every compiler and library. Not thread-safe.
class Rng {
public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  // A generator for one named thing (an order, a notification) that does not depend on call order.
  [[nodiscard]] static Rng derived(std::uint64_t seed, std::string_view name) noexcept;

  std::uint64_t next() noexcept;
  // Uniform in [0, 1).
  double uniform() noexcept;
  // Uniform integer in [lo, hi] (inclusive); lo when hi < lo.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept;
  // True with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p) noexcept;
  // Standard normal (Box–Muller).
  double normal() noexcept;
  // `n` decimal digits, the first never 0.
  std::string digits(std::size_t n);
  // `n` characters from [0-9A-Za-z].
  std::string alnum(std::size_t n);

private:
  std::uint64_t state_;
};

} // namespace recharged::sandbox
