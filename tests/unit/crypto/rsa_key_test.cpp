#include "crypto/rsa_key.hpp"

#include "core/file.hpp"
#include "crypto/base64.hpp"
#include "tests/support/command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/vectors.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace recharged;
using namespace recharged::crypto;
using test::run_command;
using test::shell_quote;

namespace {

// docs/PROTOCOL.md, "Test vectors", V1 (wechatpay-go signer test): RSA-SHA256 of the bytes "source" with go_test_key.pem.
constexpr std::string_view k_v1_signature =
    "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+"
    "1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3C"
    "zYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA"
    "8bX9+8m1rLg==";

// docs/PROTOCOL.md, "Test vectors", V5 (wechatpay-java RSAVerifierTest): RSA-SHA256 of "message" with java_merchant_private_key.pem.
constexpr std::string_view k_v5_signature =
    "Rq+5ZpWV6IHTWE1+9gCrYJKguNgbItpMdlIA+PVCPCdUAKNlohZz7CL7Y8xWDIFJjdGnErMj6Z+Q/h9CF5MV+nAVkqDmBR0uP5ppsUEzco4ijvKH"
    "svI2ro4boSW6vSfQs3W8I4QSI9a0/NFIgvj83Fv27LIYZf7deaFWmEwd1fpAeJRCyoKyBeJPdsjVx0//Lqe6Wze2zVdliLcBvaHCfpd8+rAVGS+"
    "FQDeWgHqJ7n/Zy09LmV1/ghs7pO1mdjdD16SHKlysAD3K5hNGUJX/SHrEXEcu1yO1AOb/YvOVkjNh8243rcfXNE5L4ph2XS11vS+2aToKYSOcKU"
    "agf0LLaw==";

PrivateKey private_key(std::string_view vector) { return PrivateKey::from_pem(test::vector_file(vector)).value(); }
PublicKey public_key(std::string_view vector) { return PublicKey::from_pem(test::vector_file(vector)).value(); }

std::string sign_b64(const PrivateKey& key, std::string_view message) {
  return base64_encode(key.sign_sha256(message).value());
}

// Writes a fresh RSA key with the openssl command line and returns its path.
std::filesystem::path openssl_genpkey(const test::TempDir& dir, const std::string& name, int bits) {
  const auto path = dir / name;
  const auto r = run_command("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" + std::to_string(bits) +
                             " -out " + shell_quote(path.string()) + " 2>/dev/null");
  REQUIRE(r.exit_code == 0);
  return path;
}

std::string slurp(const std::filesystem::path& p) { return read_file(p).value(); }

} // namespace

TEST_CASE("V1: the wechatpay-go test key signs 'source' to the SDK's signature") {
  const auto key = private_key("go_test_key.pem");
  CHECK(sign_b64(key, "source") == k_v1_signature);
  const auto sig = base64_decode(k_v1_signature).value();
  CHECK(public_key("go_test_pubkey.pem").verify_sha256("source", sig));
  CHECK(public_key("go_test_cert.pem").verify_sha256("source", sig));
  CHECK_FALSE(public_key("go_test_pubkey.pem").verify_sha256("source\n", sig));
}

TEST_CASE("V5: the wechatpay-java merchant key signs 'message' to the SDK's signature") {
  const auto key = private_key("java_merchant_private_key.pem");
  CHECK(sign_b64(key, "message") == k_v5_signature);
  const auto sig = base64_decode(k_v5_signature).value();
  CHECK(public_key("java_merchant_certificate.pem").verify_sha256("message", sig));
}

TEST_CASE("V5 negative: the merchant's signature does not verify under the WeChat Pay public key") {
  const auto sig = base64_decode(k_v5_signature).value();
  CHECK_FALSE(public_key("java_wechat_pay_public_key.pem").verify_sha256("message", sig));
  CHECK_FALSE(public_key("java_wechat_pay_certificate.pem").verify_sha256("message", sig));
}

TEST_CASE("a private key's public half is the published public key, and no other") {
  CHECK(private_key("go_test_key.pem").public_key().same_key(public_key("go_test_pubkey.pem")));
  CHECK(private_key("java_wechat_pay_private_key.pem").public_key().same_key(public_key("java_wechat_pay_public_key.pem")));
  CHECK_FALSE(private_key("go_test_key.pem").public_key().same_key(public_key("java_wechat_pay_public_key.pem")));
  CHECK(public_key("go_test_pubkey.pem").bits() == 2048);
}

TEST_CASE("a signature made by our code verifies with openssl dgst on a key written by openssl genpkey") {
  test::TempDir dir;
  const auto key_path = openssl_genpkey(dir, "apiclient_key.pem", 2048);
  const auto pub_path = dir / "pub.pem";
  REQUIRE(run_command("openssl pkey -in " + shell_quote(key_path.string()) + " -pubout -out " +
                      shell_quote(pub_path.string())).exit_code == 0);
  const auto key = PrivateKey::from_pem(slurp(key_path)).value();
  const std::string message = "POST\n/v3/platsolution/ecommerce/recharges/apply\n1700000000\nNONCE\n{\"a\":\"充值\"}\n";
  const auto msg_path = dir.write("message.txt", message);
  const auto sig_path = dir.write("message.sig", key.sign_sha256(message).value());
  const auto verify = run_command("openssl dgst -sha256 -verify " + shell_quote(pub_path.string()) + " -signature " +
                                  shell_quote(sig_path.string()) + " " + shell_quote(msg_path.string()));
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.find("Verified OK") != std::string::npos);
  // And openssl refuses it for a changed message: the check above can fail.
  const auto other_path = dir.write("other.txt", message + " ");
  CHECK(run_command("openssl dgst -sha256 -verify " + shell_quote(pub_path.string()) + " -signature " +
                    shell_quote(sig_path.string()) + " " + shell_quote(other_path.string()) + " >/dev/null 2>&1")
            .exit_code != 0);
}

TEST_CASE("a signature made by openssl dgst verifies with our code, and is byte-identical to ours") {
  test::TempDir dir;
  const auto key_path = openssl_genpkey(dir, "key.pem", 2048);
  const std::string message = "GET\n/v3/platsolution/ecommerce/recharges/out-recharge-no/cz1?sub_mchid=1\n1\nN\n\n";
  const auto msg_path = dir.write("message.txt", message);
  // The official recipe: openssl dgst -sha256 -sign apiclient_key.pem | openssl base64 -A
  const auto signed_b64 = run_command("openssl dgst -sha256 -sign " + shell_quote(key_path.string()) + " " +
                                      shell_quote(msg_path.string()) + " | openssl base64 -A");
  REQUIRE(signed_b64.exit_code == 0);
  const auto key = PrivateKey::from_pem(slurp(key_path)).value();
  const auto sig = base64_decode(signed_b64.output);
  REQUIRE(sig.ok());
  CHECK(key.public_key().verify_sha256(message, *sig));
  CHECK_FALSE(key.public_key().verify_sha256(message + "x", *sig));
  CHECK(sign_b64(key, message) == signed_b64.output); // PKCS#1 v1.5 is deterministic
}

TEST_CASE("a generated key is a 2048-bit RSA key that openssl reads, checks and derives the same public key from") {
  test::TempDir dir;
  const auto key = PrivateKey::generate();
  CHECK(key.public_key().bits() == 2048);
  const auto key_path = dir.write("generated.pem", key.to_pem());
  CHECK(key.to_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
  const auto check = run_command("openssl pkey -in " + shell_quote(key_path.string()) + " -check -noout 2>&1");
  CHECK(check.exit_code == 0);
  const auto pub = run_command("openssl pkey -in " + shell_quote(key_path.string()) + " -pubout");
  REQUIRE(pub.exit_code == 0);
  CHECK(pub.output == key.public_key().to_pem());
  CHECK(key.public_key().to_pem().find("PRIVATE") == std::string::npos);
  // Reloading the PEM gives the same key.
  CHECK(PrivateKey::from_pem(key.to_pem()).value().public_key().same_key(key.public_key()));
}

TEST_CASE("a traditional PKCS#1 RSA private key is accepted") {
  test::TempDir dir;
  const auto path = dir / "pkcs1.pem";
  REQUIRE(run_command("openssl genrsa -traditional -out " + shell_quote(path.string()) + " 2048 2>/dev/null")
              .exit_code == 0);
  const std::string pem = slurp(path);
  REQUIRE(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
  auto key = PrivateKey::from_pem(pem);
  REQUIRE(key.ok());
  CHECK(key->public_key().verify_sha256("m", key->sign_sha256("m").value()));
}

TEST_CASE("keys shorter than 2048 bits are refused with the rule") {
  test::TempDir dir;
  const auto path = openssl_genpkey(dir, "short.pem", 1024);
  auto key = PrivateKey::from_pem(slurp(path));
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().message.find("1024") != std::string::npos);
  CHECK(key.error().message.find("2048") != std::string::npos);
  const auto pub = run_command("openssl pkey -in " + shell_quote(path.string()) + " -pubout");
  REQUIRE(pub.exit_code == 0);
  CHECK_FALSE(PublicKey::from_pem(pub.output).ok());
}

TEST_CASE("an EC key is refused as not RSA, both private and public") {
  test::TempDir dir;
  const auto path = dir / "ec.pem";
  REQUIRE(run_command("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                      shell_quote(path.string()) + " 2>/dev/null").exit_code == 0);
  auto key = PrivateKey::from_pem(slurp(path));
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().message.find("not an RSA key") != std::string::npos);
  const auto pub = run_command("openssl pkey -in " + shell_quote(path.string()) + " -pubout");
  auto public_key = PublicKey::from_pem(pub.output);
  REQUIRE_FALSE(public_key.ok());
  CHECK(public_key.error().message.find("not an RSA key") != std::string::npos);
}

TEST_CASE("garbage, empty and truncated PEM texts are refused with an error, not a crash") {
  const std::string good = test::vector_file("go_test_key.pem");
  for (const std::string& bad : {std::string(), std::string("not a key"), good.substr(0, good.size() / 2),
                                std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}) {
    auto key = PrivateKey::from_pem(bad);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().kind == ErrorKind::invalid_input);
    CHECK_FALSE(PublicKey::from_pem(bad).ok());
  }
  // A private key is not a public key file.
  CHECK_FALSE(PublicKey::from_pem(good).ok());
}

TEST_CASE("a signature of the wrong length or under another key does not verify") {
  const auto key = private_key("go_test_key.pem");
  const auto pub = key.public_key();
  const std::string sig = key.sign_sha256("m").value();
  CHECK(sig.size() == 256);
  CHECK(pub.verify_sha256("m", sig));
  CHECK_FALSE(pub.verify_sha256("m", sig.substr(0, 255)));
  CHECK_FALSE(pub.verify_sha256("m", sig + '\0'));
  CHECK_FALSE(pub.verify_sha256("m", ""));
  CHECK_FALSE(public_key("java_wechat_pay_public_key.pem").verify_sha256("m", sig));
  std::string flipped = sig;
  flipped[100] = static_cast<char>(flipped[100] ^ 1);
  CHECK_FALSE(pub.verify_sha256("m", flipped));
}

TEST_CASE("an encrypted private key is refused without reading a passphrase from anywhere") {
  test::TempDir dir;
  const auto path = dir / "encrypted.pem";
  REQUIRE(run_command("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass pass:hunter2 "
                      "-out " + shell_quote(path.string()) + " 2>/dev/null").exit_code == 0);
  const std::string pem = slurp(path);
  REQUIRE(pem.find("ENCRYPTED") != std::string::npos);
  // Offer the right passphrase on stdin: a daemon must never consume it (OpenSSL's default callback would).
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], "hunter2\n", 8) == 8);
  ::close(fds[1]);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  auto key = PrivateKey::from_pem(pem);
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().message.find("unencrypted") != std::string::npos);
}

TEST_CASE("one key object signs and verifies again and again, from many threads at once, with the vectors' results") {
  // Each call starts from a copy of a context the key set up once: no call may see another's state.
  const PrivateKey key = private_key("go_test_key.pem");
  const PublicKey pub = key.public_key();
  const std::string v1 = base64_decode(k_v1_signature).value();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string other = "message " + std::to_string(t) + "/" + std::to_string(i);
        const auto sig = key.sign_sha256(other);
        if (!sig || !pub.verify_sha256(other, *sig) || pub.verify_sha256(other + ".", *sig)) ++wrong;
        if (sign_b64(key, "source") != k_v1_signature || !pub.verify_sha256("source", v1)) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}
