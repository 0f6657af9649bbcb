#pragma once

#include "core/result.hpp"

#include <exception>
#include <filesystem>
#include <string_view>

namespace recharged::storage {

// The local Error::code for an SQLite result code: "busy" (BUSY, LOCKED), "full", "readonly",
// "corrupt" (CORRUPT, NOTADB), "constraint", "cantopen", "io", else "sqlite".
[[nodiscard]] std::string_view error_code_for(int sqlite_result_code) noexcept;

// Turns an exception thrown by SQLiteCpp while doing `operation` (a verb phrase such as "commit 3 order
// updates") into Error{kind=storage, code=error_code_for(…)}; the message names the operation and the
// database path. Any other exception becomes Error{kind=internal}.
[[nodiscard]] Error to_error(const std::exception& e, std::string_view operation, const std::filesystem::path& db);

// Runs `body` (returning Result<T>) and turns any exception into an Error via to_error.
template <class F>
auto guarded(std::string_view operation, const std::filesystem::path& db, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return to_error(e, operation, db);
  }
}

} // namespace recharged::storage
