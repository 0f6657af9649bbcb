#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/rsa_key.hpp"
#include "sandbox/identity.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace recharged::sandbox {

// File names inside a state directory (the recharged config points at them by absolute path).
inline constexpr std::string_view k_state_file = "sandbox.json";          // ids: mchids, serial, key id
inline constexpr std::string_view k_merchant_key_file = "apiclient_key.pem";  // 0600
inline constexpr std::string_view k_merchant_cert_file = "apiclient_cert.pem";
inline constexpr std::string_view k_apiv3_key_file = "apiv3.key";            // 0600
inline constexpr std::string_view k_platform_key_file = "wxp_key.pem";       // 0600, the sandbox's own
inline constexpr std::string_view k_platform_public_key_file = "wxp_pub.pem";
inline constexpr std::string_view k_platform_cert_file = "wxp_cert.pem";            // certificate mode
inline constexpr std::string_view k_platform_expired_cert_file = "wxp_cert_expired.pem"; // the one it replaced
inline constexpr std::string_view k_config_file = "recharged.toml";
inline constexpr std::string_view k_database_file = "recharged.db";

// Everything the sandbox generates once and reuses: both sides' keys and ids.
struct SandboxState {
  std::filesystem::path dir;           // absolute
  PlatformIdentity platform;           // platform key, PUB_KEY_ID_…, APIv3 key, sp_mchid
  crypto::PrivateKey merchant_key;     // what the daemon signs with
  crypto::Certificate merchant_certificate;
  std::vector<std::string> sub_mchids; // sub-merchants the sandbox accepts

  [[nodiscard]] MerchantIdentity merchant() const;
  [[nodiscard]] std::filesystem::path file(std::string_view name) const { return dir / name; }
};

// Loads the state in `dir`, or on first start creates `dir` (mode 0700) and generates it: two RSA-2048
// keys, a self-signed merchant certificate (serial = serial_no, valid 10 years from `now`), a
// PUB_KEY_ID_<32 digits>, two platform certificates over the platform key (wxp_cert.pem, valid 5 years from
// `now`, and wxp_cert_expired.pem, which expired a day before `now`), a 32-character APIv3 key, platform mchid
// 1900000001 and sub-merchants 1900000101…103. A state written before the platform certificates existed gets
// them on its next load. Secret files are written 0600, every file atomically. A partial or inconsistent state
// (a key that does not match its certificate or id) is an error naming the file; nothing is overwritten.
[[nodiscard]] Result<SandboxState> load_or_create_state(const std::filesystem::path& dir, TimePoint now);

// Shared virtual time, written to [clock] so the daemon builds the same ScaledClock.
struct ClockSection {
  double speed = 1.0;
  TimePoint virtual_origin;
  TimePoint real_origin;
};

// What the generated recharged config says besides the state files.
struct ClientConfigOptions {
  std::string base_url;                 // "http://127.0.0.1:PORT"
  std::string backup_url;               // the backup host's, "" when the sandbox serves none
  std::string notify_url = "https://sandbox.recharged.invalid/recharge-notify";
  std::string notify_listen = "127.0.0.1:8480";
  std::string notify_path = "/recharge-notify";
  std::string metrics_listen = "127.0.0.1:9480"; // [metrics] listen: /metrics and /healthz of the daemon
  std::optional<ClockSection> clock;    // set when the sandbox does not run on plain wall-clock time
  std::vector<std::filesystem::path> calendar_dirs; // written to [calendar] dirs when not empty
};

// The recharged.toml text for `state` (keys as config/config.hpp reads them).
[[nodiscard]] std::string render_recharged_config(const SandboxState& state, const ClientConfigOptions& options);
// Writes it atomically to <dir>/recharged.toml and returns that path.
[[nodiscard]] Result<std::filesystem::path> write_recharged_config(const SandboxState& state,
                                                                   const ClientConfigOptions& options);

} // namespace recharged::sandbox
