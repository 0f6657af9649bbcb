#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace recharged::test {

// Path of a file in tests/data/vectors/ (the SDK test keys and certificates, see its README.md).
[[nodiscard]] std::filesystem::path vector_path(std::string_view name);
// The contents of that file; throws std::runtime_error when it cannot be read.
[[nodiscard]] std::string vector_file(std::string_view name);

} // namespace recharged::test
