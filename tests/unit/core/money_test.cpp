#include "core/money.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace recharged;

TEST_CASE("yuan with a decimal point and fen with a unit parse to fen") {
  CHECK(parse_amount("500.00").value() == 50000);
  CHECK(parse_amount("0.5").value() == 50);
  CHECK(parse_amount("12.34").value() == 1234);
  CHECK(parse_amount("500yuan").value() == 50000);
  CHECK(parse_amount("500元").value() == 50000);
  CHECK(parse_amount("50000fen").value() == 50000);
  CHECK(parse_amount("1分").value() == 1);
  CHECK(parse_amount("20000000.00").value() == 2'000'000'000);
}

TEST_CASE("a bare integer is refused as ambiguous, naming the field") {
  auto r = parse_amount("500", "--amount");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "--amount");
  CHECK(r.error().message.find("ambiguous") != std::string::npos);
}

TEST_CASE("malformed amounts are refused") {
  for (std::string bad : {"", "0.00", "0fen", "-5.00", "1.234", "1.", ".5", "1,000.00", "5.5fen", "abc", "fen",
                          "99999999999999999999.00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_amount(bad).ok());
  }
}

TEST_CASE("fen format as yuan with two decimals") {
  CHECK(format_yuan(50000) == "500.00");
  CHECK(format_yuan(5) == "0.05");
  CHECK(format_yuan(0) == "0.00");
  CHECK(format_yuan(-150) == "-1.50");
}

TEST_CASE("the largest accepted amount is 10^15 fen in either unit, and one fen more is refused") {
  CHECK(parse_amount("1000000000000000fen").value() == 1'000'000'000'000'000);
  CHECK(parse_amount("10000000000000.00").value() == 1'000'000'000'000'000);
  CHECK_FALSE(parse_amount("1000000000000001fen").ok());
  CHECK_FALSE(parse_amount("10000000000000.01").ok());
  CHECK_FALSE(parse_amount("10000000000000.99元").ok());
}

TEST_CASE("an amount error names the field, shows the text and states the rule") {
  auto r = parse_amount("12.345", "recharge_amount");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::invalid_input);
  CHECK(r.error().field == "recharge_amount");
  CHECK(r.error().message.find("'12.345'") != std::string::npos);
  CHECK(r.error().message.find("decimals") != std::string::npos);
}

TEST_CASE("the largest and smallest int64 amounts format without overflow") {
  CHECK(format_yuan(std::numeric_limits<Fen>::max()) == "92233720368547758.07");
  CHECK(format_yuan(std::numeric_limits<Fen>::min()) == "-92233720368547758.08");
  CHECK(format_yuan(80'000'000'000) == "800000000.00"); // 8亿元, above INT32_MAX fen
}

TEST_CASE("an amount typed with full-width characters is refused with a message naming that, not the unit") {
  for (const char* text : {"５００．００", "５００.00", "500．00", "５００００fen"}) {
    auto r = parse_amount(text, "--amount");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "--amount");
    CHECK_MESSAGE(r.error().message.find("full-width") != std::string::npos, r.error().message);
    CHECK(r.error().message.find("500.00") != std::string::npos);
  }
  CHECK(parse_amount("500元", "--amount").value() == 50'000); // the CJK unit itself is fine
}
