#include "sandbox/rng.hpp"

#include <cmath>
#include <numbers>

namespace recharged::sandbox {

Rng Rng::derived(std::uint64_t seed, std::string_view name) noexcept {
  std::uint64_t h = 1469598103934665603ULL; // FNV-1a over the name, then mixed with the seed
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  Rng mixer(seed ^ (h * 0x9E3779B97F4A7C15ULL));
  return Rng(mixer.next());
}

std::uint64_t Rng::next() noexcept {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) noexcept {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<std::int64_t>(span == 0 ? next() : next() % span);
}

bool Rng::chance(double p) noexcept {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return uniform() < p;
}

double Rng::normal() noexcept {
  const double u1 = 1.0 - uniform(); // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::string Rng::digits(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>('0' + (i == 0 ? between(1, 9) : between(0, 9)));
  return out;
}

std::string Rng::alnum(std::size_t n) {
  static constexpr std::string_view k_chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += k_chars[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(k_chars.size()) - 1))];
  return out;
}

} // namespace recharged::sandbox
