#include "crypto/aes_gcm.hpp"

#include "crypto/base64.hpp"
#include "crypto/certificate.hpp"
#include "crypto/random.hpp"
#include "tests/support/vectors.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::crypto;

namespace {

// docs/PROTOCOL.md, "Test vectors", V4 (wechatpay-java AeadAesCipherTest): a 32-byte APIv3 key.
constexpr std::string_view k_v4_key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
constexpr std::string_view k_v4_nonce = "uluk4a9R25RW";
constexpr std::string_view k_v4_aad = "associatedData";
constexpr std::string_view k_v4_ciphertext = "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=";

// docs/PROTOCOL.md, "Test vectors", V6 (wechatpay-java TestConfig.DOWNLOAD_CERTIFICATE_RESPONSE): a platform certificate sealed with
// the V4 key, nonce 14b16c03dc1b, associated data "certificate".
constexpr std::string_view k_v6_ciphertext =
    "Mr/AxbvY+WL9hKlD5nIa03LOMPpn5f+CWeNxE4ujl0f5gXZ9XLJ9CldkArCOTsbU62XgKnTc3YvRMZQ7wCmE2fzwmAenAySTYsPms72JhggPWfdqV"
    "xri9YD5wBYKn8Ck0Fc5JIiVw9WlN2oxHBz83mRVsjoTGC5+cX1CdYqKuZ8pkvi0aCJIq07ZC8MHoTowUz+4jYJy9XeKqip83Z7BmUYxsePpNM+Ht"
    "ihBqTJIUYXJfX7Col5X0ACsApRoU9l6swfW/kzvqNpDJavhDBGasLrr5822+Fk5nVkcTi53f8Wbue7ODWjJxj1yhRYcxFCvXLtpYNB+Qa1aXtrBS"
    "dBdBI2p7o+6Imn+auHLBCzkrZqF/yd+d4vTn4tqHPLUj89XcHsMf96uBo3T/HQV8LEDeIO+6YvOK9FrIDYsvp+imN4n/mnF7eJKo9mpN/QqWJiaw"
    "rFpAmMMxFKBjIdpgMnVUl3Z11RcWKyfOJ3kcmItTWcnZFNyDgR9cS0aU6QPlefa3uUW89uzBuHjcFdDl43yU3LE4qZnHLDcDgx4qt0OFCLiy51GX"
    "tEpyYs5k99YJBvKK+RyIs4Yc1/smBmClQUhxW+8bsPNOcXfDvH2yX4YzESoO4TV0RqiCgnsSd4zIFyJPiMKIGzVHiw6Kg0eGCmB4mGHEEZCQ0eN3"
    "SSPO0QVjjtBYfgXDZfVHSaAB8PjWBVNFimoViZZQrwT6Ygo0LU0Dd8+F5aHFYr4OPHPslr3hrgutEYXDTv1vTA6ABJGqknJ9Y2vtyWpy7aIwxc0k"
    "Qq/1ezjs+RMVL/LRpGDnbx1/CGPDjZhYgZypKa55+PDhoaQxqkF3xCLz2DGoNHZYmFqxzAOsAK0vJZw4VcAk6ssbA6YIaMuiemEpxfLC9ZiXtRqs"
    "X9s+GWjjtA8JywOFMO+NKZm9BH/E5YNg2DDD3sHG9Mciwn7yJ6sdf8h2lAWlEExAOeiBNyshOHAQ0/S+x1ncWNiqY+Uh5n0rtonvePV2MsxVlEWR"
    "3AVHn1abcEWkzivd+G5kg7LYO0goqzGClcQfnFfZdO6KwcMXsBCnm9A1Bl4+k5LLokTIYH5/36SRIZ9j0CHGD77BQLE7x8AlNsoFS2m263tLLq78"
    "TFqvZUTIZIQcVIl+NInscS3xQbA38qqFqutCWIwoF1azuJ7woiJyMvnS3xzIpNzP+rzJ8VDXxjLjpEUBOC9WDs74+QMtsAdmh6g0KDclHEk8WJ4P"
    "2bnso4z3VCGoDT5X/0bS1C+jMZMKaOCNB21FZ08qgUHmKeDeg8ylENu+mh2Y/AaEDSGkGBHIfFbhMYO3uRxhk9hldiHEnHgdkXiVAAUWk/IhtmGi"
    "jibO/L76vB74Xpes973uK+2iFKgNBk8qTLLZZnuWbcMQuA6VsFULRb/C+q9B21YuAWPMzvgBwr4EX2m/OpF5w8Q0HL7v1H5H0mIGJbrjnklUPoBY"
    "rw30W3uk7yF0KE6sfMukafFx0S9rBOL0RykGDPwC0lHSNySkXDeM5XvDJ+dtHK+RDwhJR+azfrWAHGMtZcQ+YVamjWVmHxXM03j3GeCXgqae1upw"
    "HzkPL5OwojcQ5MQi3Kv/1xtwY0cRN/yeZTOsXfujtqhkJj/Vltby4lnW4SCj4LjWQF19BY6zhzF4yybBA8bhhtoNP/zx8QkhHAkIROkK2ZVgfocC"
    "APvfQ+vSrsIBO+L5cmg6mzFn4g84lsHscgXnszIlzUrzx/4Tam0uwuS9J1gddZ0I0QUt9SJzfsoBCTU0OgNMUtXKS5HvgXe7abexMtFH5eulOsAu"
    "FZkQ5LYJa/m4yHFInXzL/t3hjdTi2NmxUufvYzwIyffRTu5vS9vjscARD9lUQDHFQ/xgWe1i8EkRlrSfjlXt00+4//h2bcJKyTBT3IXwvKNsuY29"
    "V9/vU3HkvWKZ99zpSlmcZRuBa1BHbyPEvc0NlqIIoKidxqUvOR64MzudHhAjgWFP+IXojfhS3Gj9OJhBL7s";

std::string b64(std::string_view text) { return base64_decode(text).value(); }

} // namespace

TEST_CASE("V4: AEAD_AES_256_GCM seals 'message' to the SDK's ciphertext and opens it back") {
  const auto sealed = aead_aes_256_gcm_seal(k_v4_key, k_v4_nonce, k_v4_aad, "message");
  REQUIRE(sealed.ok());
  CHECK(base64_encode(*sealed) == k_v4_ciphertext);
  CHECK(sealed->size() == 7 + 16);
  const auto opened = aead_aes_256_gcm_open(k_v4_key, k_v4_nonce, k_v4_aad, b64(k_v4_ciphertext));
  REQUIRE(opened.ok());
  CHECK(*opened == "message");
}

TEST_CASE("V4 negative: the wrong associated data, the wrong nonce or zero bytes do not open") {
  const std::string sealed = b64(k_v4_ciphertext);
  for (const auto& [nonce, aad, text] :
       {std::tuple<std::string, std::string, std::string>{std::string(k_v4_nonce), "bad-associatedData", sealed},
        {"bad-4a9R25RW", std::string(k_v4_aad), sealed},
        {std::string(k_v4_nonce), std::string(k_v4_aad), std::string(128, '\0')}}) {
    auto r = aead_aes_256_gcm_open(k_v4_key, nonce, aad, text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "decrypt");
    CHECK(r.error().message.find("authentication failed") != std::string::npos);
  }
}

TEST_CASE("V6: the downloaded platform certificate decrypts to the certificate with serial 5DEA10EF…") {
  const auto opened = aead_aes_256_gcm_open(k_v4_key, "14b16c03dc1b", "certificate", b64(k_v6_ciphertext));
  REQUIRE(opened.ok());
  CHECK(opened->starts_with("-----BEGIN CERTIFICATE-----"));
  const auto cert = Certificate::from_pem(*opened);
  REQUIRE(cert.ok());
  CHECK(cert->serial_hex() == "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
  const auto file = Certificate::from_pem(test::vector_file("java_downloaded_cert.pem")).value();
  CHECK(cert->to_pem() == file.to_pem());
}

TEST_CASE("V3: the Go SDK's AES-128-GCM vector opens only through the any-size layer") {
  const std::string sealed = b64("FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC");
  const auto opened = aes_gcm_open_any("testAPIv3Key0000", "wCq51qZv4Yfg", "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8", sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == "Hello World");
  auto refused = aead_aes_256_gcm_open("testAPIv3Key0000", "wCq51qZv4Yfg", "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8", sealed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("32 bytes") != std::string::npos);
}

TEST_CASE("V2: the Go SDK's notification resource opens with its 16-byte key") {
  const auto sealed = b64("YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt"
                          "tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPq"
                          "OTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==");
  const auto opened = aes_gcm_open_any("testMchAPIv3Key0", "Kj7QIyUiYx1q", "payscore", sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == R"({"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c",)"
                   R"("create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"})");
}

TEST_CASE("keys of the wrong size are refused before any decryption") {
  for (std::size_t n : {0u, 16u, 24u, 31u, 33u}) {
    const std::string key(n, 'k');
    CHECK_FALSE(aead_aes_256_gcm_open(key, k_v4_nonce, "", std::string(32, 'x')).ok());
    CHECK_FALSE(aead_aes_256_gcm_seal(key, k_v4_nonce, "", "x").ok());
  }
  CHECK_FALSE(aes_gcm_open_any(std::string(20, 'k'), k_v4_nonce, "", std::string(32, 'x')).ok());
}

TEST_CASE("input shorter than the tag and an empty nonce are refused cleanly") {
  auto short_input = aead_aes_256_gcm_open(k_v4_key, k_v4_nonce, "", std::string(15, 'x'));
  REQUIRE_FALSE(short_input.ok());
  CHECK(short_input.error().message.find("16-byte") != std::string::npos);
  CHECK_FALSE(aead_aes_256_gcm_open(k_v4_key, k_v4_nonce, "", "").ok());
  CHECK_FALSE(aead_aes_256_gcm_open(k_v4_key, "", "", b64(k_v4_ciphertext)).ok());
  CHECK_FALSE(aead_aes_256_gcm_seal(k_v4_key, "", "", "x").ok());
}

TEST_CASE("flipping any single bit of ciphertext or tag makes opening fail") {
  const std::string key = random_alnum(32);
  const std::string sealed = aead_aes_256_gcm_seal(key, "0123456789ab", "recharge", "{\"out_recharge_no\":\"A1\"}").value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CHECK_FALSE(aead_aes_256_gcm_open(key, "0123456789ab", "recharge", bad).ok());
  }
  CHECK(aead_aes_256_gcm_open(key, "0123456789ab", "recharge", sealed).value() == "{\"out_recharge_no\":\"A1\"}");
}

TEST_CASE("empty plaintext, empty associated data and a 1 MiB plaintext round-trip") {
  const std::string key = random_alnum(32);
  const auto empty = aead_aes_256_gcm_seal(key, "nonce0nonce0", "", "").value();
  CHECK(empty.size() == 16);
  CHECK(aead_aes_256_gcm_open(key, "nonce0nonce0", "", empty).value().empty());
  const std::string big = random_bytes(1 << 20);
  const auto sealed = aead_aes_256_gcm_seal(key, "nonce1nonce1", "", big).value();
  CHECK(aead_aes_256_gcm_open(key, "nonce1nonce1", "", sealed).value() == big);
  CHECK_FALSE(aead_aes_256_gcm_open(key, "nonce1nonce1", "x", sealed).ok()); // AAD is bound even when sealed empty
}
