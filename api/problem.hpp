#pragma once

#include "core/error.hpp"
#include "http/message.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace recharged::api {

// An RFC 9457 problem: what the API answers for every failure, as application/problem+json
// {"type","title","status","detail"} plus "code" (a stable word to branch on) and "field" (the input at fault,
// when there is one). `type` is "urn:recharged:problem:<code>".
struct Problem {
  int status = 500;
  std::string code;   // validation, malformed_json, unauthorized, forbidden, not_found, refused, unavailable, …
  std::string title;  // the same for every problem of this code
  std::string detail; // this occurrence, a full sentence
  std::string field;
  std::optional<std::chrono::seconds> retry_after; // sent as Retry-After (503s)
};

// The problem for an engine or storage error, by its kind: invalid input 422, not found 404, refused for good
// (and SUSPECT) 409, platform unreachable, rate limited, ambiguous and storage 503 with Retry-After, a conflict
// 409, anything else 500.
[[nodiscard]] Problem problem_for(const Error& error);
[[nodiscard]] http::Response problem_response(const Problem& problem);
[[nodiscard]] http::Response problem_response(const Error& error);

// The seconds a caller should wait before retrying after a 503 or a 202.
inline constexpr std::chrono::seconds k_retry_after{2};

} // namespace recharged::api
