#include "config/secrets.hpp"

#include "core/file.hpp"
#include "crypto/certificate.hpp"

#include <sys/stat.h>

#include <cstdio>

namespace recharged::config {
namespace {

Error bad(std::string_view key, const std::filesystem::path& path, const std::string& rule) {
  return Error::invalid(std::string(key), "Config " + std::string(key) + " '" + path.string() + "': " + rule + ".");
}

Result<std::string> read_secret(std::string_view key, const std::filesystem::path& path) {
  RECHARGED_CHECK(check_private_file(path, key));
  auto text = read_file(path);
  if (!text) return bad(key, path, "the file cannot be read");
  return std::move(*text);
}

} // namespace

Result<std::string> database_url(const Config& c) {
  if (!c.database.url_file) return c.database.url;
  RECHARGED_TRY(const auto path, c.database.url_file->resolve());
  RECHARGED_TRY(std::string url, read_secret("database.url_file", path));
  url = url.substr(0, url.find('\n'));
  while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (auto ok = check_database_url("database.url_file", url, true); !ok)
    return bad("database.url_file", path, "the file must hold one PostgreSQL connection URI (postgresql://…)");
  return url;
}

namespace {

Result<crypto::PrivateKey> merchant_key(const Config& c) {
  RECHARGED_TRY(const auto path, c.merchant.private_key_file.resolve());
  RECHARGED_TRY(const std::string pem, read_secret("merchant.private_key_file", path));
  auto key = crypto::PrivateKey::from_pem(pem);
  if (!key) return bad("merchant.private_key_file", path, "it is not an unencrypted RSA private key PEM of 2048+ bits");
  if (c.merchant.certificate_file) {
    const auto& cert_path = *c.merchant.certificate_file;
    auto cert_pem = read_file(cert_path);
    if (!cert_pem) return bad("merchant.certificate_file", cert_path, "the file cannot be read");
    auto cert = crypto::Certificate::from_pem(*cert_pem);
    if (!cert) return bad("merchant.certificate_file", cert_path, "it is not an X.509 certificate PEM");
    if (cert->serial_hex() != c.merchant.serial_no)
      return bad("merchant.certificate_file", cert_path,
                 "its serial " + cert->serial_hex() + " differs from merchant.serial_no " + c.merchant.serial_no);
    if (!cert->public_key().same_key(key->public_key()))
      return bad("merchant.private_key_file", path, "the private key does not belong to the certificate " +
                                                        cert_path.string() + " (serial " + cert->serial_hex() + ")");
  }
  return std::move(*key);
}

Result<std::string> apiv3_key(const Config& c) {
  RECHARGED_TRY(const auto path, c.merchant.apiv3_key_file.resolve());
  RECHARGED_TRY(std::string key, read_secret("merchant.apiv3_key_file", path));
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.size() != 32)
    return bad("merchant.apiv3_key_file", path,
               "the APIv3 key must be exactly 32 bytes (found " + std::to_string(key.size()) + ")");
  return key;
}

Result<wxpay::PlatformKeys> platform_keys(const Config& c) {
  wxpay::PlatformKeys keys;
  if (c.platform.public_key_file) {
    const auto& path = *c.platform.public_key_file;
    auto pem = read_file(path);
    if (!pem) return bad("platform.public_key_file", path, "the file cannot be read");
    auto key = crypto::PublicKey::from_pem(*pem);
    if (!key) return bad("platform.public_key_file", path, "it is not an RSA public key PEM (BEGIN PUBLIC KEY)");
    keys.add_public_key(c.platform.public_key_id, std::move(*key));
  }
  for (const auto& path : c.platform.certificate_files) {
    auto pem = read_file(path);
    if (!pem) return bad("platform.certificate_files", path, "the file cannot be read");
    auto cert = crypto::Certificate::from_pem(*pem);
    if (!cert) return bad("platform.certificate_files", path, "it is not an X.509 certificate PEM");
    keys.add_certificate(*cert);
  }
  return keys;
}

} // namespace

Status check_private_file(const std::filesystem::path& path, std::string_view key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return bad(key, path, "the file does not exist or cannot be reached");
  if (!S_ISREG(st.st_mode)) return bad(key, path, "it is not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return bad(key, path, std::string("it is readable by group or others (mode ") + mode +
                              "); a secret must be private to its owner: chmod 600 '" + path.string() + "'");
  }
  return {};
}

Result<Secrets> load_secrets(const Config& c) {
  RECHARGED_TRY(crypto::PrivateKey key, merchant_key(c));
  RECHARGED_TRY(std::string v3, apiv3_key(c));
  RECHARGED_TRY(wxpay::PlatformKeys keys, platform_keys(c));
  return Secrets{std::move(key), std::move(v3), std::move(keys)};
}

} // namespace recharged::config
