#include "core/file.hpp"

#include <fstream>
#include <sstream>

namespace recharged {

Result<std::string> read_file(const std::filesystem::path& path) {
  // An ifstream opens a directory on Linux and then reads nothing, which would pass for an empty file.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Error::make(ErrorKind::invalid_input, "file", "The path '" + path.string() + "' is a directory, not a file.");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::invalid_input, "file", "Cannot read the file '" + path.string() + "'.");
  std::ostringstream data;
  data << in.rdbuf();
  if (in.bad()) return Error::make(ErrorKind::invalid_input, "file", "Reading the file '" + path.string() + "' failed.");
  return data.str();
}

} // namespace recharged
