#include "config/secrets.hpp"

#include "tests/support/keys.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::config;
namespace fs = std::filesystem;

namespace {

constexpr auto k_private = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto k_public = k_private | fs::perms::group_read | fs::perms::others_read;

// A config whose key files are real, generated for this test, in `dir`.
struct KeyFiles {
  explicit KeyFiles(const test::TestKeys& keys = test::TestKeys::shared()) {
    dir.write("apiclient_key.pem", keys.merchant.key.to_pem(), k_private);
    dir.write("apiclient_cert.pem", keys.merchant.certificate.to_pem(), k_public);
    dir.write("apiv3.key", keys.apiv3_key + "\n", k_private);
    dir.write("wxp_pub.pem", keys.platform.key.public_key().to_pem(), k_public);
    dir.write("platform_cert.pem", keys.platform.certificate.to_pem(), k_public);
    config.merchant.mchid = keys.merchant.mchid;
    config.merchant.serial_no = keys.merchant.serial_no;
    config.merchant.private_key_file.spec = (dir / "apiclient_key.pem").string();
    config.merchant.certificate_file = dir / "apiclient_cert.pem";
    config.merchant.apiv3_key_file.spec = (dir / "apiv3.key").string();
    config.platform.public_key_id = keys.platform.public_key_id;
    config.platform.public_key_file = dir / "wxp_pub.pem";
    config.platform.certificate_files = {dir / "platform_cert.pem"};
  }
  Error error() const {
    auto r = load_secrets(config);
    REQUIRE_FALSE(r.ok());
    return r.error();
  }
  test::TempDir dir;
  Config config;
};

} // namespace

TEST_CASE("valid key files load in both platform-key modes at once") {
  KeyFiles f;
  auto s = load_secrets(f.config);
  REQUIRE(s.ok());
  CHECK(s->apiv3_key == test::TestKeys::shared().apiv3_key); // the trailing newline is not part of the key
  CHECK(s->platform_keys.find(test::TestKeys::shared().platform.public_key_id) != nullptr);
  CHECK(s->platform_keys.find(test::TestKeys::shared().platform.certificate_serial) != nullptr);
  CHECK(s->platform_keys.preferred_serial() == test::TestKeys::shared().platform.public_key_id);
}

TEST_CASE("a private key readable by group or others is refused with the chmod to run") {
  KeyFiles f;
  fs::permissions(f.dir / "apiclient_key.pem", k_public);
  const Error e = f.error();
  CHECK(e.field == "merchant.private_key_file");
  CHECK(e.message.find("0644") != std::string::npos);
  CHECK(e.message.find("chmod 600") != std::string::npos);
}

TEST_CASE("an APIv3 key file readable by others is refused too") {
  KeyFiles f;
  fs::permissions(f.dir / "apiv3.key", k_private | fs::perms::others_read);
  CHECK(f.error().field == "merchant.apiv3_key_file");
}

TEST_CASE("an APIv3 key that is not 32 bytes is refused without printing it") {
  KeyFiles f;
  f.dir.write("apiv3.key", "short-secret-value", k_private);
  const Error e = f.error();
  CHECK(e.field == "merchant.apiv3_key_file");
  CHECK(e.message.find("32 bytes") != std::string::npos);
  CHECK(e.message.find("short-secret-value") == std::string::npos);
}

TEST_CASE("a certificate whose serial differs from serial_no is refused") {
  KeyFiles f;
  f.config.merchant.serial_no = "0123456789ABCDEF";
  const Error e = f.error();
  CHECK(e.field == "merchant.certificate_file");
  CHECK(e.message.find("0123456789ABCDEF") != std::string::npos);
}

TEST_CASE("a private key that does not belong to the certificate is refused") {
  KeyFiles f;
  f.dir.write("apiclient_key.pem", crypto::PrivateKey::generate().to_pem(), k_private);
  CHECK(f.error().field == "merchant.private_key_file");
}

TEST_CASE("malformed or missing key files are refused naming the key and file") {
  {
    KeyFiles f;
    f.dir.write("apiclient_key.pem", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", k_private);
    const Error e = f.error();
    CHECK(e.field == "merchant.private_key_file");
    CHECK(e.message.find("apiclient_key.pem") != std::string::npos);
  }
  {
    KeyFiles f;
    f.dir.write("wxp_pub.pem", "garbage", k_public);
    CHECK(f.error().field == "platform.public_key_file");
  }
  {
    KeyFiles f;
    fs::remove(f.dir / "apiclient_key.pem");
    CHECK(f.error().message.find("does not exist") != std::string::npos);
  }
}

TEST_CASE("check_private_file accepts 0600 and 0400 and refuses directories") {
  test::TempDir dir;
  const auto p = dir.write("k", "x", fs::perms::owner_read);
  CHECK(check_private_file(p, "k").ok());
  CHECK_FALSE(check_private_file(dir.path(), "k").ok());
}

TEST_CASE("a database URL file is private, may carry a password, and must hold a PostgreSQL URL") {
  KeyFiles f;
  f.dir.write("db.url", "postgresql://recharged:s3cret@db.internal/recharged?sslmode=verify-full\n", k_private);
  f.config.database.url_file = SecretSource{(f.dir / "db.url").string()};
  auto url = database_url(f.config);
  REQUIRE(url.ok());
  CHECK(*url == "postgresql://recharged:s3cret@db.internal/recharged?sslmode=verify-full");

  fs::permissions(f.dir / "db.url", k_public);
  auto open = database_url(f.config);
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().field == "database.url_file");
  CHECK(open.error().message.find("chmod 600") != std::string::npos);

  f.dir.write("db.url", "host=db user=recharged password=s3cret\n", k_private);
  fs::permissions(f.dir / "db.url", k_private);
  auto not_url = database_url(f.config);
  REQUIRE_FALSE(not_url.ok());
  CHECK(not_url.error().field == "database.url_file");
  CHECK(not_url.error().message.find("s3cret") == std::string::npos);
}
