#include "sandbox/outcome.hpp"

namespace recharged::sandbox {

PlatformError PlatformError::make(int status, std::string code, std::string message) {
  PlatformError e;
  e.status = status;
  e.body.code = std::move(code);
  e.body.message = std::move(message);
  return e;
}

PlatformError PlatformError::param(std::string_view field, std::string issue) {
  PlatformError e = make(400, "PARAM_ERROR", "参数错误: " + std::string(field) + " " + issue);
  e.body.detail_field = std::string(field);
  e.body.detail_issue = std::move(issue);
  return e;
}

} // namespace recharged::sandbox
