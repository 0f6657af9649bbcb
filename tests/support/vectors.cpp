#include "tests/support/vectors.hpp"

#include "core/file.hpp"

#include <stdexcept>

namespace recharged::test {

std::filesystem::path vector_path(std::string_view name) {
  return std::filesystem::path(RECHARGED_SOURCE_DIR) / "tests" / "data" / "vectors" / std::string(name);
}

std::string vector_file(std::string_view name) {
  auto text = read_file(vector_path(name));
  if (!text) throw std::runtime_error(text.error().message);
  return std::move(text).value();
}

} // namespace recharged::test
