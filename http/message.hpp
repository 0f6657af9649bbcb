#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recharged::http {

enum class Method { get, post };
[[nodiscard]] std::string_view to_string(Method m) noexcept;

// Header fields in arrival order; names compare case-insensitively (RFC 9110).
class Headers {
public:
  // The first value for `name`, or nullopt.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  // Replaces every field called `name` with one field.
  void set(std::string name, std::string value);
  void add(std::string name, std::string value);
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& all() const noexcept { return fields_; }

private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

struct Request {
  Method method = Method::get;
  std::string target; // path plus "?query" exactly as sent on the wire (and as signed)
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Percent-encodes everything outside RFC 3986's unreserved set (for path segments and query values).
[[nodiscard]] std::string url_encode(std::string_view text);

// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is. In a query, '+' means a space.
enum class PlusSign { literal, space };
[[nodiscard]] std::string url_decode(std::string_view text, PlusSign plus = PlusSign::literal);

} // namespace recharged::http
