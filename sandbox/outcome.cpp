#include "sandbox/outcome.hpp"

#include <array>
#include <utility>

namespace recharged::sandbox {

PlatformError PlatformError::make(int status, std::string code, std::string message) {
  PlatformError e;
  e.status = status;
  e.body.code = std::move(code);
  e.body.message = std::move(message);
  return e;
}

PlatformError PlatformError::param(std::string_view field, std::string issue, std::string location) {
  PlatformError e = make(400, "PARAM_ERROR", std::string(k_msg_param) + ": " + std::string(field) + " " + issue);
  e.body.detail_field = std::string(field);
  e.body.detail_issue = std::move(issue);
  e.body.detail_location = std::move(location);
  return e;
}

namespace {

struct Entry {
  NamedError name;
  std::string_view text;
  int status;
  std::string_view code;
  std::string_view message;
};

constexpr std::array<Entry, 12> k_catalog{{
    {NamedError::param_error, "param_error", 400, "PARAM_ERROR", k_msg_param},
    {NamedError::invalid_request, "invalid_request", 400, "INVALID_REQUEST", k_msg_invalid_request},
    {NamedError::sign_error, "sign_error", 401, "SIGN_ERROR", k_msg_sign},
    {NamedError::system_error, "system_error", 500, "SYSTEM_ERROR", k_msg_system},
    {NamedError::no_account, "no_account", 400, "INVALID_REQUEST", k_msg_no_account},
    {NamedError::over_limit, "over_limit", 400, "INVALID_REQUEST", k_msg_over_limit},
    {NamedError::duplicate, "duplicate", 400, "INVALID_REQUEST", k_msg_duplicate},
    {NamedError::no_auth, "no_auth", 403, "NO_AUTH", k_msg_no_auth},
    {NamedError::no_auth_punished, "no_auth_punished", 403, "NO_AUTH", k_msg_no_auth_punished},
    {NamedError::no_auth_controlled, "no_auth_controlled", 403, "NO_AUTH", k_msg_no_auth_controlled},
    {NamedError::not_found, "not_found", 404, "NOT_FOUND", k_msg_not_found},
    {NamedError::frequency_limited, "frequency_limited", 429, "FREQUENCY_LIMITED", k_msg_frequency},
}};

const Entry& entry(NamedError e) {
  for (const auto& x : k_catalog)
    if (x.name == e) return x;
  return k_catalog.front();
}

} // namespace

std::string_view to_string(NamedError e) noexcept { return entry(e).text; }

std::optional<NamedError> parse_named_error(std::string_view text) noexcept {
  for (const auto& x : k_catalog)
    if (x.text == text) return x.name;
  return std::nullopt;
}

const std::vector<NamedError>& all_named_errors() {
  static const std::vector<NamedError> all = [] {
    std::vector<NamedError> v;
    for (const auto& x : k_catalog) v.push_back(x.name);
    return v;
  }();
  return all;
}

PlatformError platform_error(NamedError e) {
  const Entry& x = entry(e);
  return PlatformError::make(x.status, std::string(x.code), std::string(x.message));
}

} // namespace recharged::sandbox
