#include "schedule/jitter.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace recharged::schedule;

TEST_CASE("a jitter seed is the same on every run and host for the same order and poll") {
  // Pinned values: FNV-1a plus splitmix64 is fully specified, so a change here changes every stored plan.
  CHECK(jitter_seed("R20261123001", 3) == 8154555584901066945ULL);
  CHECK(jitter_seed("", 0) == 18426177448367287922ULL);
  CHECK(mix_seed(1, 2) == 17474652204475260503ULL);
  CHECK(jitter_seed("R20261123001", 3) == jitter_seed("R20261123001", 3));
  CHECK(jitter_seed("R20261123001", 3) != jitter_seed("R20261123001", 4));
  CHECK(jitter_seed("R20261123001", 3) != jitter_seed("R20261123002", 3));
  CHECK(jitter_seed("ab", 1) != jitter_seed("a", 1));
}

TEST_CASE("unit intervals stay in [0, 1) and spread evenly over many orders") {
  int buckets[10] = {};
  for (int i = 0; i < 10000; ++i) {
    const double u = unit_interval(jitter_seed("ORDER" + std::to_string(i), 0));
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    ++buckets[static_cast<int>(u * 10)];
  }
  for (const int count : buckets) {
    CHECK(count > 850); // 1000 expected per bucket
    CHECK(count < 1150);
  }
  CHECK(unit_interval(0) == 0.0);
  CHECK(unit_interval(~0ULL) < 1.0);
}

TEST_CASE("mixing a salt into a seed gives independent draws") {
  std::set<std::uint64_t> seen;
  const auto seed = jitter_seed("R1", 0);
  for (std::uint64_t salt = 0; salt < 100; ++salt) seen.insert(mix_seed(seed, salt));
  CHECK(seen.size() == 100);
  CHECK(mix_seed(seed, 1) == mix_seed(seed, 1));
}
