#pragma once

#include <string>
#include <string_view>

namespace recharged {

// What a caller may do about a failure. The split that matters most: `retryable` and `rate_limited`
// mean nothing happened; `ambiguous` means the request may have taken effect and must be resolved by query.
enum class ErrorKind {
  invalid_input, // bad input from a user, a config file or a caller; nothing was sent or changed
  permanent,     // the platform refused for good (4xx business error); retrying will not help
  not_found,     // the platform does not know the object (404 NOT_FOUND)
  retryable,     // transient and known not to have taken effect: connect failure, 5xx on a query, bad signature
  rate_limited,  // 429 under any of its names: slow down, then retry
  ambiguous,     // may have taken effect (timeout after sending an apply/close, unverified 2xx on a write)
  storage,       // the database refused (busy, full, read-only, corrupt)
  conflict,      // another process holds what this needs (the database's daemon lock, a listen address)
  internal,      // a bug or an impossible state
};

[[nodiscard]] std::string_view to_string(ErrorKind kind) noexcept;

// Local failures that a caller branches on. Compare the reason, never the text: Error::code carries the same
// word (to_string) for logs, events and exit codes. Platform codes and local codes nobody branches on have none.
enum class ErrorReason {
  none,
  stopping,  // the call was not made because the process is stopping
  suspect,   // the order is SUSPECT: held for a human, automation will not act on it
  signature, // a WeChat Pay signature was refused (Error::field names the check: probe, clock_skew, …)
  decrypt,   // a sealed resource did not open with the APIv3 key
  algorithm, // a sealed resource uses an algorithm other than AEAD_AES_256_GCM
};

[[nodiscard]] std::string_view to_string(ErrorReason reason) noexcept; // "stopping", …; "" for none

// An expected failure, carried as a value. `message` is a full sentence for humans and never holds secrets.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  std::string code;       // platform code (PARAM_ERROR, …) or a local one (network, signature, validation)
  ErrorReason reason = ErrorReason::none; // set for the local codes callers branch on
  std::string field;      // the offending input field, when there is one
  int http_status = 0;    // 0 when no HTTP answer was received
  std::string request_id; // the platform's Request-ID header, when present

  [[nodiscard]] bool retryable() const noexcept {
    return kind == ErrorKind::retryable || kind == ErrorKind::rate_limited || kind == ErrorKind::ambiguous;
  }

  [[nodiscard]] static Error invalid(std::string field, std::string message);
  [[nodiscard]] static Error make(ErrorKind kind, std::string code, std::string message);
  // The same with a typed reason; `code` is its text.
  [[nodiscard]] static Error make(ErrorKind kind, ErrorReason reason, std::string message);
};

} // namespace recharged
