#include "core/file.hpp"

#include <fstream>
#include <sstream>

namespace recharged {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::invalid_input, "file", "Cannot read the file '" + path.string() + "'.");
  std::ostringstream data;
  data << in.rdbuf();
  if (in.bad()) return Error::make(ErrorKind::invalid_input, "file", "Reading the file '" + path.string() + "' failed.");
  return data.str();
}

} // namespace recharged
