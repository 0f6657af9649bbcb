#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace recharged {

struct Utf8Info {
  std::size_t code_points = 0;
  bool has_four_byte = false; // a character outside the Basic Multilingual Plane (emoji and the like)
};

// Decodes strict UTF-8 (no overlongs, no surrogates); nullopt when `text` is not valid UTF-8.
[[nodiscard]] std::optional<Utf8Info> inspect_utf8(std::string_view text) noexcept;

} // namespace recharged
