#pragma once

// One transaction on a pg::Connection around a piece of store code. For storage/pg_*.cpp only.

#include "core/result.hpp"
#include "storage/pg_connection.hpp"

#include <exception>
#include <string>
#include <string_view>

namespace recharged::storage::pg {

// Runs `body` (returning Result<T> or Status) inside `begin` … COMMIT on `db`; any error (or exception) rolls back
// and is returned with "Could not <operation>: " in front of its message.
template <class F>
auto in_transaction(Connection& db, std::string_view begin, std::string_view operation, F&& body)
    -> decltype(body()) {
  const auto fail = [&](Error e) -> decltype(body()) {
    if (db.in_transaction()) (void)db.exec("ROLLBACK");
    e.message = "Could not " + std::string(operation) + ": " + e.message;
    return e;
  };
  if (auto started = db.exec(begin); !started) return fail(started.error());
  try {
    auto result = body();
    if (!result) return fail(result.error());
    if (auto committed = db.exec("COMMIT"); !committed) return fail(committed.error());
    return result;
  } catch (const std::exception& e) {
    return fail(Error::make(ErrorKind::internal, "exception", e.what()));
  }
}

} // namespace recharged::storage::pg
