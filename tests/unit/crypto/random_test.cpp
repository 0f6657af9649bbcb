#include "crypto/random.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

using namespace recharged::crypto;

TEST_CASE("random_alnum returns exactly n characters from 0-9, A-Z and a-z") {
  for (std::size_t n : {0u, 1u, 32u, 1000u}) {
    const std::string s = random_alnum(n);
    CHECK(s.size() == n);
    CHECK(std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }));
  }
}

TEST_CASE("request nonces do not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_alnum(32));
  CHECK(seen.size() == 1000);
}

TEST_CASE("every one of the 62 characters turns up in a long random string") {
  const std::string s = random_alnum(62 * 400);
  const std::set<char> distinct(s.begin(), s.end());
  CHECK(distinct.size() == 62);
}

TEST_CASE("random_bytes returns n bytes that differ between calls") {
  CHECK(random_bytes(0).empty());
  const std::string a = random_bytes(32);
  const std::string b = random_bytes(32);
  CHECK(a.size() == 32);
  CHECK(a != b);
}
