#pragma once

// How the row code of order_rows.hpp reaches either backend: a result row read column by column, and named
// parameters set by name. SQLite's statements and PostgreSQL's results each have an adapter; the mapping of
// orders, events, notifications and fund returns to columns and parameters is written once.

#include <cstdint>
#include <string>

namespace recharged::storage {

// One row of a query's answer. Times are format_utc text on both backends.
class Columns {
public:
  virtual ~Columns() = default;
  [[nodiscard]] virtual bool is_null(int column) const = 0;
  [[nodiscard]] virtual std::string text(int column) const = 0;
  [[nodiscard]] virtual std::int64_t integer(int column) const = 0;
  [[nodiscard]] virtual std::string name(int column) const = 0; // for error messages
};

// The named parameters (":name") of one statement.
class Params {
public:
  virtual ~Params() = default;
  virtual void text(const char* name, std::string value) = 0;
  virtual void integer(const char* name, std::int64_t value) = 0;
  virtual void null(const char* name) = 0;
};

} // namespace recharged::storage
