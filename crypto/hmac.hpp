#pragma once

#include <string>
#include <string_view>

namespace recharged::crypto {

// HMAC-SHA256 of `message` under `key` (raw bytes): the 32-byte MAC.
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view message);
// SHA-256 of `bytes`: the 32-byte digest.
[[nodiscard]] std::string sha256(std::string_view bytes);
// Whether `a` and `b` are equal, in time that depends only on their lengths (secrets, tokens, MACs).
[[nodiscard]] bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept;

} // namespace recharged::crypto
