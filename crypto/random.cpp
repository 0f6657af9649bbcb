#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

namespace recharged::crypto {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("the system random number generator failed");
  return out;
}

std::string random_alnum(std::size_t n) {
  static constexpr std::string_view k_chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    // Rejection sampling keeps the distribution uniform: 62 * 4 = 248 < 256.
    for (const char byte : random_bytes(n)) {
      const auto c = static_cast<unsigned char>(byte);
      if (c < 248 && out.size() < n) out += k_chars[c % 62];
    }
  }
  return out;
}

} // namespace recharged::crypto
