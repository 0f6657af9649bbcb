#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace recharged::crypto {

// Standard Base64 (RFC 4648 §4) with '=' padding and no line breaks.
[[nodiscard]] std::string base64_encode(std::string_view bytes);
// Strict decoding: refuses whitespace, wrong padding, non-zero trailing bits and foreign characters. A
// "WECHATPAY/SIGNTEST/…" probe may still decode (its prefix is Base64 text); the verifier refuses the prefix.
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

} // namespace recharged::crypto
