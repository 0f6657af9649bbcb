#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::webhooks {

// A Standard Webhooks 1.0 signing secret: "whsec_" followed by the Base64 of the key bytes (24 to 64 bytes).
// Never logged; to_string() does not exist on purpose.
class Secret {
public:
  // Parses "whsec_…"; the error names `field` (e.g. "webhooks.backoffice.secret") and the rule, never the value.
  [[nodiscard]] static Result<Secret> parse(std::string_view text, const std::string& field);
  // A fresh random secret in its "whsec_…" form (for `recharged webhooks secret`, and tests).
  [[nodiscard]] static std::string generate();
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

private:
  explicit Secret(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// The headers one delivery carries (Standard Webhooks 1.0).
struct SignedHeaders {
  std::string id;        // webhook-id: the same on every retry of the message, so receivers de-duplicate
  std::string timestamp; // webhook-timestamp: Unix seconds of this attempt
  std::string signature; // webhook-signature: "v1,<base64 HMAC-SHA256>" per secret, space-separated
};

// Signs `body` for message `id` at `unix_seconds` with every secret (two during a rotation: the receiver accepts
// the message when any one signature verifies). The signed content is "<id>.<timestamp>.<body>".
[[nodiscard]] SignedHeaders sign(std::string_view id, std::int64_t unix_seconds, std::string_view body,
                                 const std::vector<Secret>& secrets);

// What a receiver does (tests; a receiver in README does the same with a Standard Webhooks library): true when one
// of the signatures in `signature_header` verifies under `secret` and `timestamp` is within `tolerance_seconds`
// of `now_unix`.
[[nodiscard]] bool verify(const Secret& secret, std::string_view id, std::string_view timestamp, std::string_view body,
                          std::string_view signature_header, std::int64_t now_unix, std::int64_t tolerance_seconds = 300);

} // namespace recharged::webhooks
