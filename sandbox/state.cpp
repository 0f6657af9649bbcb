#include "sandbox/state.hpp"

#include "core/file.hpp"
#include "crypto/random.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <tuple>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace recharged::sandbox {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::string_view k_sp_mchid = "1900000001";
constexpr mode_t k_secret_mode = 0600;
constexpr mode_t k_public_mode = 0644;

Error state_error(const fs::path& path, const std::string& rule) {
  return Error::make(ErrorKind::invalid_input, "sandbox_state",
                     "The sandbox state file '" + path.string() + "' " + rule + ".");
}

// Writes via a temporary file in the same directory, fsync and rename, so a crash leaves old or new.
Status write_atomic(const fs::path& path, std::string_view content, mode_t mode) {
  std::string tmp = path.string() + ".tmp-XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return state_error(path, std::string("cannot be created: ") + std::strerror(errno));
  bool ok = fchmod(fd, mode) == 0;
  for (std::size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return state_error(path, "cannot be written: " + why);
  }
  return {};
}

std::string random_digits(std::size_t n) {
  std::string out;
  for (const char b : crypto::random_bytes(n)) out += static_cast<char>('0' + static_cast<unsigned char>(b) % 10);
  return out;
}

// 40 upper-case hex digits like a real API certificate serial; the first in 1–7 so the DER integer is
// positive without padding and serial_hex() gives back exactly this text.
std::string random_serial() {
  static constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  for (const char b : crypto::random_bytes(40)) out += k_hex[static_cast<unsigned char>(b) % 16];
  out[0] = static_cast<char>('1' + static_cast<unsigned char>(crypto::random_bytes(1)[0]) % 7);
  return out;
}

Result<std::string> read_state_file(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return state_error(path, "cannot be read (the state is incomplete; remove the directory to start over)");
  return std::move(*text);
}

// The platform's certificates over its key: the current one and the one it replaced, expired a day ago. Written
// only where no file is yet, so an existing state keeps its serials.
Status ensure_platform_certificates(const fs::path& dir, const crypto::PrivateKey& key, TimePoint now) {
  const std::array<std::tuple<std::string_view, TimePoint, TimePoint>, 2> certs{{
      {k_platform_cert_file, now - std::chrono::hours{24}, now + std::chrono::hours{24 * 365 * 5}},
      {k_platform_expired_cert_file, now - std::chrono::hours{24 * 365 * 2}, now - std::chrono::hours{24}},
  }};
  for (const auto& [name, from, until] : certs) {
    std::error_code ec;
    if (fs::exists(dir / name, ec)) continue;
    const auto cert = crypto::Certificate::self_signed(key, "recharged sandbox platform", random_serial(), from, until);
    RECHARGED_CHECK(write_atomic(dir / name, cert.to_pem(), k_public_mode));
  }
  return {};
}

// The serial of a platform certificate file, which must hold the platform key.
Result<std::string> platform_certificate_serial(const fs::path& path, const crypto::PrivateKey& key) {
  RECHARGED_TRY(const std::string pem, read_state_file(path));
  auto cert = crypto::Certificate::from_pem(pem);
  if (!cert || !cert->public_key().same_key(key.public_key()))
    return state_error(path, "is not a certificate of the key in " + std::string(k_platform_key_file));
  return cert->serial_hex();
}

std::vector<std::string> default_sub_mchids() { return {"1900000101", "1900000102", "1900000103"}; }

Result<SandboxState> generate(const fs::path& dir, TimePoint now) {
  auto platform_key = crypto::PrivateKey::generate(2048);
  auto merchant_key = crypto::PrivateKey::generate(2048);
  const std::string serial = random_serial();
  auto cert = crypto::Certificate::self_signed(merchant_key, "recharged sandbox merchant " + std::string(k_sp_mchid),
                                               serial, now - std::chrono::hours{24},
                                               now + std::chrono::hours{24 * 3650});
  if (cert.serial_hex() != serial)
    return Error::make(ErrorKind::internal, "sandbox_state", "The generated merchant certificate has serial " +
                                                                 cert.serial_hex() + ", not " + serial + ".");
  SandboxState s{dir,
                 PlatformIdentity{std::string(k_sp_mchid), "PUB_KEY_ID_" + random_digits(32), platform_key,
                                  crypto::random_alnum(32), "", ""},
                 merchant_key, cert, default_sub_mchids()};
  const json ids{{"sp_mchid", s.platform.sp_mchid},
                 {"sub_mchids", s.sub_mchids},
                 {"public_key_id", s.platform.public_key_id},
                 {"merchant_serial_no", serial},
                 {"created", format_rfc3339(now)}};
  RECHARGED_CHECK(write_atomic(s.file(k_platform_key_file), platform_key.to_pem(), k_secret_mode));
  RECHARGED_CHECK(write_atomic(s.file(k_platform_public_key_file), platform_key.public_key().to_pem(), k_public_mode));
  RECHARGED_CHECK(write_atomic(s.file(k_merchant_key_file), merchant_key.to_pem(), k_secret_mode));
  RECHARGED_CHECK(write_atomic(s.file(k_merchant_cert_file), cert.to_pem(), k_public_mode));
  RECHARGED_CHECK(write_atomic(s.file(k_apiv3_key_file), s.platform.apiv3_key, k_secret_mode));
  RECHARGED_CHECK(ensure_platform_certificates(dir, platform_key, now));
  RECHARGED_CHECK(write_atomic(s.file(k_state_file), ids.dump(2) + "\n", k_public_mode)); // last: marks completion
  RECHARGED_TRY(s.platform.certificate_serial, platform_certificate_serial(s.file(k_platform_cert_file), platform_key));
  RECHARGED_TRY(s.platform.expired_certificate_serial,
                platform_certificate_serial(s.file(k_platform_expired_cert_file), platform_key));
  return s;
}

Result<json> read_ids(const fs::path& path) {
  RECHARGED_TRY(const std::string text, read_state_file(path));
  json ids = json::parse(text, nullptr, false);
  const bool shape = !ids.is_discarded() && ids.is_object() && ids.contains("sp_mchid") &&
                     ids["sp_mchid"].is_string() && ids.contains("public_key_id") && ids["public_key_id"].is_string() &&
                     ids.contains("merchant_serial_no") && ids["merchant_serial_no"].is_string() &&
                     ids.contains("sub_mchids") && ids["sub_mchids"].is_array();
  if (!shape) return state_error(path, "is not the JSON the sandbox writes (sp_mchid, sub_mchids, public_key_id, merchant_serial_no)");
  for (const auto& s : ids["sub_mchids"])
    if (!s.is_string()) return state_error(path, "lists a sub_mchid that is not a string");
  return ids;
}

Result<SandboxState> load(const fs::path& dir, TimePoint now) {
  RECHARGED_TRY(const json ids, read_ids(dir / k_state_file));
  RECHARGED_TRY(const std::string platform_pem, read_state_file(dir / k_platform_key_file));
  RECHARGED_TRY(const std::string public_pem, read_state_file(dir / k_platform_public_key_file));
  RECHARGED_TRY(const std::string merchant_pem, read_state_file(dir / k_merchant_key_file));
  RECHARGED_TRY(const std::string cert_pem, read_state_file(dir / k_merchant_cert_file));
  RECHARGED_TRY(const std::string apiv3, read_state_file(dir / k_apiv3_key_file));
  auto platform_key = crypto::PrivateKey::from_pem(platform_pem);
  if (!platform_key) return state_error(dir / k_platform_key_file, "is not an RSA private key");
  auto public_key = crypto::PublicKey::from_pem(public_pem);
  if (!public_key || !public_key->same_key(platform_key->public_key()))
    return state_error(dir / k_platform_public_key_file, "does not hold the public half of " + std::string(k_platform_key_file));
  auto merchant_key = crypto::PrivateKey::from_pem(merchant_pem);
  if (!merchant_key) return state_error(dir / k_merchant_key_file, "is not an RSA private key");
  auto cert = crypto::Certificate::from_pem(cert_pem);
  if (!cert || !cert->public_key().same_key(merchant_key->public_key()) ||
      cert->serial_hex() != ids["merchant_serial_no"].get<std::string>())
    return state_error(dir / k_merchant_cert_file, "does not match " + std::string(k_merchant_key_file) +
                                                        " and the serial in " + std::string(k_state_file));
  if (apiv3.size() != 32) return state_error(dir / k_apiv3_key_file, "must hold exactly 32 characters");
  RECHARGED_CHECK(ensure_platform_certificates(dir, *platform_key, now));
  PlatformIdentity platform{ids["sp_mchid"].get<std::string>(), ids["public_key_id"].get<std::string>(),
                            std::move(*platform_key), apiv3, "", ""};
  RECHARGED_TRY(platform.certificate_serial,
                platform_certificate_serial(dir / k_platform_cert_file, platform.private_key));
  RECHARGED_TRY(platform.expired_certificate_serial,
                platform_certificate_serial(dir / k_platform_expired_cert_file, platform.private_key));
  return SandboxState{dir, std::move(platform), std::move(*merchant_key), std::move(*cert),
                      ids["sub_mchids"].get<std::vector<std::string>>()};
}

std::string toml_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string toml_number(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  std::string s = out.str();
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

} // namespace

MerchantIdentity SandboxState::merchant() const {
  return MerchantIdentity{platform.sp_mchid, merchant_certificate.serial_hex(), merchant_key.public_key()};
}

Result<SandboxState> load_or_create_state(const fs::path& dir_in, TimePoint now) {
  std::error_code ec;
  const fs::path dir = fs::absolute(dir_in, ec);
  if (ec) return state_error(dir_in, "cannot be resolved: " + ec.message());
  if (fs::exists(dir / k_state_file, ec)) return load(dir, now);
  for (const auto name : {k_platform_key_file, k_merchant_key_file, k_apiv3_key_file})
    if (fs::exists(dir / name, ec))
      return state_error(dir / name, "exists but " + std::string(k_state_file) +
                                         " does not; refusing to overwrite keys (restore it or remove the directory)");
  fs::create_directories(dir, ec);
  if (ec) return state_error(dir, "cannot be created: " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return generate(dir, now);
}

std::string render_recharged_config(const SandboxState& s, const ClientConfigOptions& o) {
  std::string t = "# Written by `recharged sandbox`: recharged pointed at the simulated WeChat Pay platform.\n"
                  "# Regenerated on every sandbox start; the keys next to it are the sandbox's own.\n\n";
  t += "[merchant]\nmchid = " + toml_quoted(s.platform.sp_mchid) + "\n";
  t += "serial_no = " + toml_quoted(s.merchant_certificate.serial_hex()) + "\n";
  t += "private_key_file = " + toml_quoted(s.file(k_merchant_key_file).string()) + "\n";
  t += "certificate_file = " + toml_quoted(s.file(k_merchant_cert_file).string()) + "\n";
  t += "apiv3_key_file = " + toml_quoted(s.file(k_apiv3_key_file).string()) + "\n\n";
  t += "[platform]\nbase_url = " + toml_quoted(o.base_url) + "\nbackup_url = " + toml_quoted(o.backup_url) + "\n";
  t += "public_key_id = " + toml_quoted(s.platform.public_key_id) + "\n";
  t += "public_key_file = " + toml_quoted(s.file(k_platform_public_key_file).string()) + "\n";
  t += "# Certificate mode (`recharged sandbox --sign-with certificate`), alone or beside the public key as during a\n"
       "# switch-over; " + std::string(k_platform_expired_cert_file) + " next to it is the certificate it replaced.\n";
  t += "# certificate_files = [" + toml_quoted(s.file(k_platform_cert_file).string()) + "]\n\n";
  t += "[database]\npath = " + toml_quoted(s.file(k_database_file).string()) + "\n\n";
  t += "[apply]\nnotify_url = " + toml_quoted(o.notify_url) +
       "\nrecharge_scene = \"ECOMMERCE_DEPOSIT\"\naccount_type = \"DEPOSIT\"\n\n";
  t += "[notify]\nlisten = " + toml_quoted(o.notify_listen) + "\npath = " + toml_quoted(o.notify_path) + "\n\n";
  t += "[metrics]                            # GET /metrics and /healthz of `recharged run`\nlisten = " +
       toml_quoted(o.metrics_listen) + "\n";
  if (!o.calendar_dirs.empty()) {
    t += "\n[calendar]\ndirs = [";
    for (std::size_t i = 0; i < o.calendar_dirs.size(); ++i)
      t += (i == 0 ? "" : ", ") + toml_quoted(o.calendar_dirs[i].string());
    t += "]\n";
  }
  if (o.clock) {
    t += "\n[clock]                              # shared virtual time: the daemon runs on the sandbox's clock\n";
    t += "speed = " + toml_number(o.clock->speed) + "\n";
    t += "virtual_origin = " + toml_quoted(format_rfc3339(o.clock->virtual_origin, std::chrono::minutes{0})) + "\n";
    t += "real_origin = " + toml_quoted(format_rfc3339(o.clock->real_origin, std::chrono::minutes{0})) + "\n";
  }
  return t;
}

Result<fs::path> write_recharged_config(const SandboxState& state, const ClientConfigOptions& options) {
  const fs::path path = state.file(k_config_file);
  RECHARGED_CHECK(write_atomic(path, render_recharged_config(state, options), k_public_mode));
  return path;
}

} // namespace recharged::sandbox
