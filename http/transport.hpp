#pragma once

#include "core/result.hpp"
#include "http/message.hpp"

namespace recharged::http {

// Sends one request and returns the complete response. Implementations are thread-safe.
// Errors: kind `retryable` when the request certainly did not leave this host (connect/resolve/TLS handshake
// failure), kind `ambiguous` when it may have reached the server (timeout or reset after sending, oversized
// answer). `code` is one of: connect, timeout, reset, too_large, tls, network. The CurlTransport also names
// the step that failed in `field` (resolve_host, resolve_proxy, proxy, connect, tls, timeout, …) for a diagnosis.
class Transport {
public:
  virtual ~Transport() = default;
  [[nodiscard]] virtual Result<Response> send(const Request& request) = 0;
};

} // namespace recharged::http
