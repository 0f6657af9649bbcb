#include "core/money.hpp"

#include <doctest/doctest.h>

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
  for (const char* bad : {"", "0.00", "0fen", "-5.00", "1.234", "1.", ".5", "1,000.00", "5.5fen", "abc", "fen",
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
