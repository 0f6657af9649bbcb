#pragma once

#include "core/clock.hpp"
#include "http/transport.hpp"
#include "http/url.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace recharged::http {

struct CurlOptions {
  std::vector<BaseUrl> hosts;             // primary first, then the backup host(s)
  Millis connect_timeout{5'000};
  Millis timeout{15'000};                 // whole exchange
  std::string proxy;                      // "" = direct (environment proxies are ignored)
  std::size_t max_response_bytes = 1 << 20;
  Millis failover_cooldown{60'000};       // after the primary fails to connect, use the backup this long
  std::string ca_file;                    // "" = the system trust store
};

// The libcurl transport: HTTP/1.1 keep-alive through a pool of reusable handles (one per concurrent
// caller), TLS verification always on, and failover to the next host when a connection cannot be made.
// Thread-safe. `clock` only times the failover cooldown.
class CurlTransport final : public Transport {
public:
  CurlTransport(CurlOptions options, const Clock& clock);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  [[nodiscard]] Result<Response> send(const Request& request) override;
  // Once `stop` is requested, transfers in progress are abandoned (error kind per Transport's contract, code
  // "aborted") so shutdown never waits for a slow platform. `stop` must outlive the transport.
  void abort_on(const StopSignal* stop) noexcept { abort_on_ = stop; }
  // Index into options.hosts of the host the next request goes to first.
  [[nodiscard]] std::size_t preferred_host() const;

private:
  struct Handle;
  std::unique_ptr<Handle> checkout();
  void checkin(std::unique_ptr<Handle> handle);
  Result<Response> perform(Handle& handle, const BaseUrl& host, const Request& request);

  CurlOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
  TimePoint primary_down_until_{};
  const StopSignal* abort_on_ = nullptr;
};

} // namespace recharged::http
