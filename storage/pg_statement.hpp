#pragma once

// PostgreSQL statements written with the named parameters (":name") the row bindings of order_rows.hpp set,
// turned into libpq's positional $1…$n once, and the adapters between pg::Rows and storage::Columns.
// For storage/pg_*.cpp only.

#include "core/result.hpp"
#include "storage/pg_connection.hpp"
#include "storage/row_access.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace recharged::storage::pg {

// A statement with its parameter names in $-order. ":name" becomes "$n" (a repeated name keeps its number);
// "::type" casts and text inside '…' are left alone.
struct Statement {
  std::string sql;
  std::vector<std::string> names;
};
[[nodiscard]] Statement compile(std::string_view named_sql);

// Collects the values of one execution of `statement`; exec() fails (internal) when a parameter was never set,
// so a statement and its binding cannot drift apart unnoticed.
class NamedParams final : public Params {
public:
  explicit NamedParams(const Statement& statement);
  void text(const char* name, std::string value) override;
  void integer(const char* name, std::int64_t value) override;
  void null(const char* name) override;
  [[nodiscard]] Result<Rows> exec(Connection& connection) const;

private:
  void set(const char* name, Param value);
  const Statement& statement_;
  std::vector<Param> values_;
  std::vector<bool> set_;
  std::string unknown_; // a name the statement does not have
};

// Row `row` of `rows` as storage::Columns.
class RowColumns final : public Columns {
public:
  RowColumns(const Rows& rows, int row) noexcept : rows_(rows), row_(row) {}
  bool is_null(int column) const override { return rows_.is_null(row_, column); }
  std::string text(int column) const override { return rows_.text(row_, column); }
  std::int64_t integer(int column) const override { return rows_.integer(row_, column); }
  std::string name(int column) const override { return rows_.column_name(column); }

private:
  const Rows& rows_;
  int row_;
};

} // namespace recharged::storage::pg
