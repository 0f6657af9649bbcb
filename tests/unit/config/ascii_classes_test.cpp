// The character rules of the config (hex serial, alphanumeric prefix) are ASCII rules: bytes ≥ 0x80, such as
// the halves of a UTF-8 "é", are refused by name whatever the process locale, never fed to <cctype>.

#include "config/config.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;

namespace {

std::string config_with(const std::string& serial, const std::string& prefix) {
  return "[merchant]\nmchid = \"1900000001\"\nserial_no = \"" + serial +
         "\"\nprivate_key_file = \"k.pem\"\napiv3_key_file = \"v.key\"\n"
         "[platform]\npublic_key_id = \"PUB_KEY_ID_0000000000000024101100397200000006\"\npublic_key_file = \"p.pem\"\n"
         "[apply]\nout_recharge_no_prefix = \"" + prefix + "\"\n";
}

Result<config::Config> parse_text(const std::string& text) { return config::parse(text, "/etc/recharged/recharged.toml"); }

} // namespace

TEST_CASE("a serial_no with non-ASCII bytes is refused, naming the field; ASCII hex is upper-cased") {
  for (const std::string serial : {"5F1C\xC3\xA9", "\xEF\xBC\xA1\xEF\xBC\xA2", "AB\xC2\xB2"}) { // é, full-width AB, ²
    const auto r = parse_text(config_with(serial, "RC"));
    CAPTURE(serial);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "merchant.serial_no");
  }
  const auto ok = parse_text(config_with("0123456789abcdefABCDEF", "RC"));
  REQUIRE(ok.ok());
  CHECK(ok->merchant.serial_no == "0123456789ABCDEFABCDEF");
}

TEST_CASE("an out_recharge_no_prefix with non-ASCII letters or digits is refused, naming the field") {
  for (const std::string prefix : {"RC\xC3\xA9", "\xD9\xA3", "R-C"}) { // é, Arabic-Indic three, a dash
    const auto r = parse_text(config_with("AB", prefix));
    CAPTURE(prefix);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "apply.out_recharge_no_prefix");
  }
  const auto ok = parse_text(config_with("AB", "Rc09zZ"));
  REQUIRE(ok.ok());
  CHECK(ok->apply.out_recharge_no_prefix == "Rc09zZ");
}
