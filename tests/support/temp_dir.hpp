#pragma once

#include <filesystem>
#include <string>

namespace recharged::test {

// A fresh directory under $TMPDIR, removed with everything in it when this object dies.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `content` to `name` (relative) with the given permission bits; returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content,
                              std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write);

private:
  std::filesystem::path path_;
};

} // namespace recharged::test
