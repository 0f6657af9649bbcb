#pragma once

#include "core/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::api {

// What a token may do: read (GET) or also write (create, sync, close). write includes read.
enum class Scope { read, write };
[[nodiscard]] std::string_view to_string(Scope s) noexcept;

// The bearer tokens of the order API, read from [api] tokens_file (a systemd credential, mode 600 like the keys):
// one token per line, "<scope> <token> [name]" — scope read or write, a token of 32 to 256 printable ASCII
// characters without spaces, and an optional name for the logs; blank lines and lines starting with # are
// skipped. Tokens are kept only as SHA-256 digests and compared in constant time. Thread-safe (immutable).
class Tokens {
public:
  // `origin` names the file in errors; a line's error names its number, never the token.
  [[nodiscard]] static Result<Tokens> parse(std::string_view text, const std::string& origin);

  struct Holder {
    Scope scope = Scope::read;
    std::string name; // "token 2" when the line gave none
  };
  // The holder of the token in an "Authorization: Bearer <token>" header value, or nullopt (no, malformed or
  // unknown token). Every configured token is compared, so the time taken does not tell which one nearly matched.
  [[nodiscard]] std::optional<Holder> authenticate(std::string_view authorization) const;
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
  struct Entry {
    std::string digest; // SHA-256 of the token
    Holder holder;
  };
  std::vector<Entry> entries_;
};

} // namespace recharged::api
