#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>

namespace recharged {

// Reads a whole file as bytes; the error names the path.
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& path);

} // namespace recharged
