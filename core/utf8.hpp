#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace recharged {

struct Utf8Info {
  std::size_t code_points = 0;
  bool has_four_byte = false; // a character outside the Basic Multilingual Plane (emoji and the like)
};

// Decodes strict UTF-8 (no overlongs, no surrogates); nullopt when `text` is not valid UTF-8.
[[nodiscard]] std::optional<Utf8Info> inspect_utf8(std::string_view text) noexcept;

// `text` with a–z turned into A–Z and every other byte unchanged (locale-independent, safe for any byte).
[[nodiscard]] std::string to_upper_ascii(std::string_view text);
// Whether `text` holds a full-width form of an ASCII character (U+FF01–U+FF5E: "５００．００", "ＲＣ１"), as Chinese
// input methods type them.
[[nodiscard]] bool has_fullwidth_ascii(std::string_view text) noexcept;

} // namespace recharged
