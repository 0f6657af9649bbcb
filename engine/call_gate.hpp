#pragma once

#include "core/error.hpp"
#include "wxpay/api_client.hpp"

namespace recharged::engine {

// Admission control around every API call: the daemon's rate limits (token bucket per endpoint, slowed by
// 429s) and stop handling. enter() blocks until the call may start; it returns false when the process is
// stopping and the call must not be made. Every successful enter() is paired with one leave().
class CallGate {
public:
  virtual ~CallGate() = default;
  [[nodiscard]] virtual bool enter(wxpay::Endpoint endpoint) = 0;
  // `error` is null on success.
  virtual void leave(wxpay::Endpoint endpoint, const Error* error) = 0;
};

// No limits: one-shot CLI commands.
class OpenGate final : public CallGate {
public:
  [[nodiscard]] bool enter(wxpay::Endpoint) override { return true; }
  void leave(wxpay::Endpoint, const Error*) override {}
};

} // namespace recharged::engine
