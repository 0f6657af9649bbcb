#include "core/result.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace recharged;

namespace {

Result<int> half(int v) {
  if (v % 2 != 0) return Error::invalid("v", "odd");
  return v / 2;
}

Result<int> quarter(int v) {
  RECHARGED_TRY(const int h, half(v));
  RECHARGED_TRY(const int q, half(h));
  return q;
}

Status even(int v) {
  RECHARGED_CHECK(half(v));
  return {};
}

} // namespace

TEST_CASE("a result holds either a value or an error") {
  Result<std::string> ok = std::string("value");
  REQUIRE(ok.ok());
  CHECK(static_cast<bool>(ok));
  CHECK(*ok == "value");
  CHECK(ok->size() == 5);
  Result<std::string> bad = Error::make(ErrorKind::permanent, "code", "message");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "code");
  CHECK(bad.value_or("fallback") == "fallback");
  CHECK(ok.value_or("fallback") == "value");
}

TEST_CASE("a result can carry a move-only value out") {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  REQUIRE(p);
  CHECK(*p == 7);
}

TEST_CASE("RECHARGED_TRY binds values and returns the first error") {
  CHECK(quarter(8).value() == 2);
  auto r = quarter(6); // 6 -> 3 -> odd
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "odd");
  CHECK_FALSE(quarter(5).ok());
}

TEST_CASE("RECHARGED_CHECK turns a failed result into a failed status") {
  CHECK(even(4).ok());
  Status s = even(3);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().field == "v");
  Status fine;
  CHECK(fine.ok());
}
