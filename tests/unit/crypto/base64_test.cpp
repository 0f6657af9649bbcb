#include "crypto/base64.hpp"

#include "crypto/random.hpp"
#include "tests/support/command.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::crypto;

TEST_CASE("the RFC 4648 test vectors encode and decode") {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
}

TEST_CASE("every byte value survives a round trip") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    const std::string part = all.substr(0, len);
    CHECK(base64_decode(base64_encode(part)).value() == part);
  }
  CHECK(base64_encode("\xFB\xFF") == "+/8=");
}

TEST_CASE("our Base64 of random bytes matches openssl base64 -A") {
  test::TempDir dir;
  const std::string bytes = random_bytes(1000);
  const auto path = dir.write("bytes.bin", bytes);
  const auto result = test::run_command("openssl base64 -A -in " + test::shell_quote(path.string()));
  REQUIRE(result.exit_code == 0);
  CHECK(result.output == base64_encode(bytes));
}

TEST_CASE("decoding is strict about padding, stray bits, whitespace and foreign alphabets") {
  const std::string bad[] = {
      "Zg",        // missing padding
      "Zg=",       // short padding
      "Zh==",      // non-zero bits after the last byte
      "Zm9=",      // the same with one pad
      "Z===",      // too much padding
      "=Zg=",      // padding first
      "Zg==Zm8=",  // padding in the middle
      "Zm9v\n",    // a line break
      " Zm9v",     // a space
      "Zm9vYmF_",  // URL-safe alphabet
      "Zm9vYg=a",  // data after padding
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    auto r = base64_decode(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    CHECK(r.error().code == "base64");
  }
  CHECK_FALSE(base64_decode(std::string("Zm9v\0Zm9", 8)).ok()); // an embedded NUL
}

TEST_CASE("a WECHATPAY/SIGNTEST/ probe is not reliably caught by Base64 alone") {
  // The probe prefix is made of Base64 characters: depending on its length a probe fails here cleanly or
  // decodes to garbage, so wxpay::verify_signature checks the prefix itself (wxpay/verifier_test.cpp).
  auto short_probe = base64_decode("WECHATPAY/SIGNTEST/");
  REQUIRE_FALSE(short_probe.ok());
  CHECK(short_probe.error().code == "base64");
  auto decodable_probe = base64_decode("WECHATPAY/SIGNTEST/A");
  REQUIRE(decodable_probe.ok());
  CHECK(decodable_probe->size() == 15);
}
