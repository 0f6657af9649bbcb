#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <string>

namespace recharged::storage {

std::string_view error_code_for(int sqlite_result_code) noexcept {
  switch (sqlite_result_code & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return "busy";
  case SQLITE_FULL: return "full";
  case SQLITE_READONLY: return "readonly";
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: return "corrupt";
  case SQLITE_CONSTRAINT: return "constraint";
  case SQLITE_CANTOPEN: return "cantopen";
  case SQLITE_IOERR: return "io";
  default: return "sqlite";
  }
}

namespace {

std::string_view hint(std::string_view code) {
  if (code == "busy") return " Another connection held the write lock for longer than busy_timeout.";
  if (code == "full") return " The disk (or the database's page limit) is full; nothing was written.";
  if (code == "readonly") return " The database or its directory is not writable by this process.";
  if (code == "corrupt") return " The file is damaged or is not an SQLite database; run `recharged check`.";
  return "";
}

} // namespace

Error to_error(const std::exception& e, std::string_view operation, const std::filesystem::path& db) {
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  if (sqlite == nullptr)
    return Error::make(ErrorKind::internal, "exception",
                       "Could not " + std::string(operation) + ": " + e.what() + " (database '" + db.string() +
                           "').");
  const int rc = sqlite->getErrorCode() >= 0 ? sqlite->getErrorCode() : SQLITE_MISUSE;
  const std::string_view code = error_code_for(rc);
  return Error::make(ErrorKind::storage, std::string(code),
                     "Could not " + std::string(operation) + ": " + e.what() + " (database '" + db.string() +
                         "', " + std::string(code) + ")." + std::string(hint(code)));
}

} // namespace recharged::storage
