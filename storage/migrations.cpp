#include "storage/migrations.hpp"

#include <string>

namespace recharged::storage {

Status validate_sequence(std::span<const Migration> migrations) {
  if (migrations.empty())
    return Error::make(ErrorKind::internal, "migrations", "This binary embeds no schema migrations at all.");
  int expected = 1;
  for (const auto& m : migrations) {
    if (m.version != expected)
      return Error::make(ErrorKind::internal, "migrations",
                         "The embedded migration " + std::to_string(m.version) + " '" + std::string(m.name) +
                             "' is out of sequence: version " + std::to_string(expected) +
                             " was expected (no gap, no duplicate).");
    ++expected;
  }
  return {};
}

} // namespace recharged::storage
