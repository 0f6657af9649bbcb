#include "api/tokens.hpp"

#include "crypto/hmac.hpp"

#include <sstream>

namespace recharged::api {
namespace {

constexpr std::size_t k_min_token = 32;
constexpr std::size_t k_max_token = 256;

bool printable_token(std::string_view t) {
  for (const char c : t)
    if (c <= ' ' || c > '~') return false;
  return true;
}

} // namespace

std::string_view to_string(Scope s) noexcept { return s == Scope::write ? "write" : "read"; }

Result<Tokens> Tokens::parse(std::string_view text, const std::string& origin) {
  Tokens out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream fields(line);
    std::string scope, token, name, extra;
    fields >> scope >> token >> name >> extra;
    const std::string where = origin + " line " + std::to_string(number);
    if (scope != "read" && scope != "write")
      return Error::invalid("api.tokens_file", "The API token file " + where +
                                                   " must start with the scope read or write, then the token.");
    if (token.size() < k_min_token || token.size() > k_max_token || !printable_token(token))
      return Error::invalid("api.tokens_file", "The API token on " + where + " must be 32 to 256 printable characters "
                                               "without spaces (e.g. `openssl rand -hex 32`).");
    if (!extra.empty())
      return Error::invalid("api.tokens_file", "The API token file " + where +
                                                   " has more than a scope, a token and a name.");
    out.entries_.push_back(Entry{crypto::sha256(token),
                                 Holder{scope == "write" ? Scope::write : Scope::read,
                                        name.empty() ? "token " + std::to_string(out.entries_.size() + 1) : name}});
  }
  if (out.entries_.empty())
    return Error::invalid("api.tokens_file", "The API token file " + origin + " holds no token: add a line "
                                                                              "\"write <token> <name>\".");
  return out;
}

std::optional<Tokens::Holder> Tokens::authenticate(std::string_view authorization) const {
  constexpr std::string_view k_bearer = "Bearer ";
  if (!authorization.starts_with(k_bearer)) return std::nullopt;
  const std::string digest = crypto::sha256(authorization.substr(k_bearer.size()));
  std::optional<Holder> found;
  for (const Entry& e : entries_)
    if (crypto::equal_in_constant_time(e.digest, digest) && !found) found = e.holder;
  return found;
}

} // namespace recharged::api
