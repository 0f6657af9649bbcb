#include "core/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;

TEST_CASE("ASCII and Chinese text count one code point per character") {
  auto ascii = inspect_utf8("remark 20");
  REQUIRE(ascii);
  CHECK(ascii->code_points == 9);
  CHECK_FALSE(ascii->has_four_byte);
  auto chinese = inspect_utf8("平台充值备注");
  REQUIRE(chinese);
  CHECK(chinese->code_points == 6);
  CHECK_FALSE(chinese->has_four_byte);
  auto empty = inspect_utf8("");
  REQUIRE(empty);
  CHECK(empty->code_points == 0);
}

TEST_CASE("two-byte characters and the last BMP character are one code point each") {
  auto info = inspect_utf8("é\xEF\xBF\xBF"); // U+00E9, U+FFFF
  REQUIRE(info);
  CHECK(info->code_points == 2);
  CHECK_FALSE(info->has_four_byte);
}

TEST_CASE("an emoji is one code point and is flagged as a four-byte character") {
  auto info = inspect_utf8("充值\xF0\x9F\x98\x80"); // U+1F600
  REQUIRE(info);
  CHECK(info->code_points == 3);
  CHECK(info->has_four_byte);
  auto max = inspect_utf8("\xF4\x8F\xBF\xBF"); // U+10FFFF
  REQUIRE(max);
  CHECK(max->has_four_byte);
}

TEST_CASE("malformed UTF-8 is refused") {
  const std::string bad[] = {
      "\x80",                 // a lone continuation byte
      "\xE5\x85",             // a truncated three-byte sequence
      "a\xE5\x85",            // truncated at the end of longer text
      "\xC0\x80",             // overlong NUL
      "\xC1\xBF",             // overlong ASCII
      "\xE0\x80\x80",         // overlong three-byte
      "\xF0\x80\x80\x80",     // overlong four-byte
      "\xED\xA0\x80",         // a UTF-16 surrogate
      "\xF4\x90\x80\x80",     // above U+10FFFF
      "\xF8\x88\x80\x80\x80", // five-byte form
      "\xFF",                 // never valid
      "\xE5\x41\x85",         // a continuation byte replaced by ASCII
  };
  for (const auto& text : bad) {
    CAPTURE(text.size());
    CHECK_FALSE(inspect_utf8(text).has_value());
  }
}

TEST_CASE("an embedded NUL is valid UTF-8 and counts as a character") {
  auto info = inspect_utf8(std::string("a\0b", 3));
  REQUIRE(info);
  CHECK(info->code_points == 3);
}

TEST_CASE("full-width ASCII forms are recognised at both ends of their range, and nothing else is") {
  CHECK(has_fullwidth_ascii("！"));        // U+FF01
  CHECK(has_fullwidth_ascii("～"));        // U+FF5E
  CHECK(has_fullwidth_ascii("amount ５")); // U+FF15
  CHECK_FALSE(has_fullwidth_ascii("500.00元"));
  CHECK_FALSE(has_fullwidth_ascii("｟"));  // U+FF5F: past the ASCII forms
  CHECK_FALSE(has_fullwidth_ascii("\xEF\xBC"));
}

TEST_CASE("to_upper_ascii changes a-z only, whatever the bytes around them") {
  CHECK(to_upper_ascii("recharging") == "RECHARGING");
  CHECK(to_upper_ascii("Suspect_1") == "SUSPECT_1");
  CHECK(to_upper_ascii("\xC3\xA9x\xFF") == "\xC3\xA9X\xFF");
}
