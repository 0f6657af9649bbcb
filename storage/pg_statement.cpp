#include "storage/pg_statement.hpp"

#include <algorithm>
#include <cctype>

namespace recharged::storage::pg {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

} // namespace

Statement compile(std::string_view in) {
  Statement out;
  bool quoted = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\'') quoted = !quoted;
    const bool placeholder = !quoted && c == ':' && i + 1 < in.size() && name_start(in[i + 1]) &&
                             (i == 0 || in[i - 1] != ':');
    if (!placeholder) {
      out.sql += c;
      continue;
    }
    std::size_t end = i + 1;
    while (end < in.size() && name_char(in[end])) ++end;
    const std::string name(in.substr(i, end - i)); // with its ':', as the bindings name it
    auto at = std::find(out.names.begin(), out.names.end(), name);
    if (at == out.names.end()) at = out.names.insert(out.names.end(), name);
    out.sql += "$" + std::to_string(at - out.names.begin() + 1);
    i = end - 1;
  }
  return out;
}

NamedParams::NamedParams(const Statement& statement)
    : statement_(statement), values_(statement.names.size()), set_(statement.names.size(), false) {}

void NamedParams::set(const char* name, Param value) {
  const auto at = std::find(statement_.names.begin(), statement_.names.end(), name);
  if (at == statement_.names.end()) {
    if (unknown_.empty()) unknown_ = name;
    return;
  }
  const auto index = static_cast<std::size_t>(at - statement_.names.begin());
  values_[index] = std::move(value);
  set_[index] = true;
}

void NamedParams::text(const char* name, std::string value) { set(name, std::move(value)); }
void NamedParams::integer(const char* name, std::int64_t value) { set(name, std::to_string(value)); }
void NamedParams::null(const char* name) { set(name, std::nullopt); }

Result<Rows> NamedParams::exec(Connection& connection) const {
  if (!unknown_.empty())
    return Error::make(ErrorKind::internal, "unknown_parameter",
                       "A value was set for " + unknown_ + ", which the statement does not have: " +
                           statement_.sql.substr(0, 80));
  for (std::size_t i = 0; i < set_.size(); ++i)
    if (!set_[i])
      return Error::make(ErrorKind::internal, "unbound_parameter",
                         "The parameter " + statement_.names[i] + " was never set: " + statement_.sql.substr(0, 80));
  return connection.exec(statement_.sql, values_);
}

} // namespace recharged::storage::pg
