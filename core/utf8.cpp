#include "core/utf8.hpp"

namespace recharged {

std::optional<Utf8Info> inspect_utf8(std::string_view text) noexcept {
  Utf8Info info;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (c < 0x80) { len = 1; cp = c; }
    else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07u; }
    else return std::nullopt;
    if (i + len > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (len == 4) info.has_four_byte = true;
    ++info.code_points;
    i += len;
  }
  return info;
}

std::string to_upper_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool has_fullwidth_ascii(std::string_view text) noexcept {
  // U+FF01–U+FF5E is EF BC 81–EF BC BF, then EF BD 80–EF BD 9E in UTF-8.
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(text[i + 1]);
    const auto c = static_cast<unsigned char>(text[i + 2]);
    if (a != 0xEF) continue;
    if ((b == 0xBC && c >= 0x81 && c <= 0xBF) || (b == 0xBD && c >= 0x80 && c <= 0x9E)) return true;
  }
  return false;
}

} // namespace recharged
