#pragma once

#include <cstddef>
#include <string>

namespace recharged::crypto {

// `n` characters from [0-9A-Za-z] drawn from the OS CSPRNG (request nonces, generated keys and ids).
[[nodiscard]] std::string random_alnum(std::size_t n);
// `n` random bytes from the OS CSPRNG.
[[nodiscard]] std::string random_bytes(std::size_t n);

} // namespace recharged::crypto
