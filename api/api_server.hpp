#pragma once

#include "api/tokens.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "engine/order_service.hpp"
#include "http/server.hpp"
#include "storage/backend.hpp"
#include "storage/order_store.hpp"

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace recharged::api {

// What the API serves from; everything outlives the server.
struct ApiParts {
  engine::OrderService& service;
  storage::OrderStore& store;
  const storage::Backend& backend; // where the feed and the idempotency keys are, each on a connection of its own
  const Clock& clock;
  std::shared_ptr<spdlog::logger> log; // "api": api_request per request, listener_* notices
};

// The order API on [api] listen: its own http::Server (so it cannot take the notification listener's
// connections or workers), bearer tokens from [api] tokens_file, and at most [api] workers requests handled at
// once — one more gets 503 + Retry-After at once instead of waiting. The event feed and the idempotency keys
// are read and written on two connections of its own to the database.
class ApiServer {
public:
  // Reads the tokens, opens the connections and listens; errors name the config key (tokens_file, listen).
  [[nodiscard]] static Result<std::unique_ptr<ApiServer>> start(const config::Config& config, ApiParts parts);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Ends long-polls, lets requests in flight finish, closes every connection. Idempotent.
  void stop();
  // The bound TCP port (0 on a unix socket).
  [[nodiscard]] int port() const noexcept;
  // "127.0.0.1:8490" or "unix:/run/recharged/api.sock", as bound.
  [[nodiscard]] const std::string& address() const noexcept;
  [[nodiscard]] http::ServerStats stats() const;

  struct Impl;

private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace recharged::api
