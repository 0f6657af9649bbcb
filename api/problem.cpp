#include "api/problem.hpp"

#include <nlohmann/json.hpp>

namespace recharged::api {
namespace {

Problem make(int status, std::string code, std::string title, const Error& e) {
  Problem p;
  p.status = status;
  p.code = std::move(code);
  p.title = std::move(title);
  p.detail = e.message;
  p.field = e.field;
  return p;
}

} // namespace

Problem problem_for(const Error& e) {
  switch (e.kind) {
  case ErrorKind::invalid_input: return make(422, "validation", "The request is invalid", e);
  case ErrorKind::not_found: return make(404, "not_found", "No such order", e);
  case ErrorKind::permanent:
    return make(409, e.reason == ErrorReason::suspect ? "suspect" : "refused",
                e.reason == ErrorReason::suspect ? "The order is held for a human" : "Refused", e);
  case ErrorKind::conflict: return make(409, "conflict", "Conflict", e);
  case ErrorKind::retryable:
  case ErrorKind::rate_limited:
  case ErrorKind::ambiguous: {
    Problem p = make(503, "platform_unavailable", "WeChat Pay could not be reached; retry later", e);
    p.retry_after = k_retry_after;
    return p;
  }
  case ErrorKind::storage: {
    Problem p = make(503, "storage_unavailable", "The database is unavailable; retry later", e);
    p.retry_after = k_retry_after;
    return p;
  }
  case ErrorKind::internal: break;
  }
  return make(500, "internal", "Internal error", e);
}

http::Response problem_response(const Problem& p) {
  nlohmann::json body{{"type", "urn:recharged:problem:" + p.code},
                      {"title", p.title},
                      {"status", p.status},
                      {"detail", p.detail},
                      {"code", p.code}};
  if (!p.field.empty()) body["field"] = p.field;
  http::Response r;
  r.status = p.status;
  r.headers.set("Content-Type", "application/problem+json");
  if (p.retry_after) r.headers.set("Retry-After", std::to_string(p.retry_after->count()));
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response problem_response(const Error& error) { return problem_response(problem_for(error)); }

} // namespace recharged::api
