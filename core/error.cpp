#include "core/error.hpp"

#include <utility>

namespace recharged {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::invalid_input: return "invalid_input";
  case ErrorKind::permanent: return "permanent";
  case ErrorKind::not_found: return "not_found";
  case ErrorKind::retryable: return "retryable";
  case ErrorKind::rate_limited: return "rate_limited";
  case ErrorKind::ambiguous: return "ambiguous";
  case ErrorKind::storage: return "storage";
  case ErrorKind::conflict: return "conflict";
  case ErrorKind::internal: return "internal";
  }
  return "internal";
}

std::string_view to_string(ErrorReason reason) noexcept {
  switch (reason) {
  case ErrorReason::none: return "";
  case ErrorReason::stopping: return "stopping";
  case ErrorReason::suspect: return "suspect";
  case ErrorReason::signature: return "signature";
  case ErrorReason::decrypt: return "decrypt";
  case ErrorReason::algorithm: return "algorithm";
  }
  return "";
}

Error Error::invalid(std::string field, std::string message) {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.code = "validation";
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

Error Error::make(ErrorKind kind, std::string code, std::string message) {
  Error e;
  e.kind = kind;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

Error Error::make(ErrorKind kind, ErrorReason reason, std::string message) {
  Error e = make(kind, std::string(to_string(reason)), std::move(message));
  e.reason = reason;
  return e;
}

} // namespace recharged
