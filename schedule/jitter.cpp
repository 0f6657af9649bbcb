#include "schedule/jitter.hpp"

namespace recharged::schedule {

namespace {

constexpr std::uint64_t k_fnv_offset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t h, unsigned char byte) noexcept { return (h ^ byte) * k_fnv_prime; }

// splitmix64's finaliser: spreads FNV's weak low bits over the whole word.
std::uint64_t finalise(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

std::uint64_t jitter_seed(std::string_view out_recharge_no, std::int64_t n) noexcept {
  std::uint64_t h = k_fnv_offset;
  for (const char c : out_recharge_no) h = fnv1a(h, static_cast<unsigned char>(c));
  h = fnv1a(h, 0); // separator: ("ab", 1) and ("a", …) never share a byte stream
  auto u = static_cast<std::uint64_t>(n);
  for (int i = 0; i < 8; ++i, u >>= 8) h = fnv1a(h, static_cast<unsigned char>(u & 0xffU));
  return finalise(h);
}

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t salt) noexcept {
  return finalise(seed ^ finalise(salt + 0x9e3779b97f4a7c15ULL));
}

double unit_interval(std::uint64_t seed) noexcept {
  return static_cast<double>(seed >> 11) * 0x1.0p-53; // the top 53 bits: exact in a double
}

} // namespace recharged::schedule
