#pragma once

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/stop_signal.hpp"
#include "engine/order_intake.hpp"
#include "engine/order_service.hpp"
#include "http/server.hpp"
#include "storage/feed_store.hpp"
#include "storage/idempotency_keys.hpp"
#include "storage/order_store.hpp"

namespace recharged::api {

// What the order API works with; everything outlives the routes.
struct RouteContext {
  engine::OrderService& service;    // the daemon's: same rate limits and apply leases as its own calls
  storage::OrderStore& store;
  storage::FeedStore& feed;
  storage::IdempotencyKeys& keys;
  config::ApplyConfig apply_defaults;
  const Clock& clock;
  StopSignal& stop;                 // ends long-polls at once
  Millis max_wait{30'000};          // the longest GET /v1/events wait
  Millis poll_step{200};            // how often a long-poll looks at the feed again (real time)
};

// The handlers of the /v1 routes, after authentication. Every answer is JSON: an order (order_object), an
// order with its timeline (order_detail_object), a page, or an RFC 9457 problem (api/problem.hpp).
// Thread-safe; handlers may block (platform calls, long-polls).
class OrderRoutes {
public:
  explicit OrderRoutes(RouteContext ctx) : ctx_(std::move(ctx)) {}

  // POST /v1/orders: write-ahead apply as `recharged apply`. 201 a new order, 200 an existing one (same number,
  // or the same Idempotency-Key with the same body), 202 + Retry-After while the order is NEW (the apply's
  // outcome is unknown); 409 REJECTED or SUSPECT; 422 a different body under a used Idempotency-Key.
  [[nodiscard]] http::Response create(const http::ServerRequest& request);
  [[nodiscard]] http::Response get(const std::string& out_recharge_no);
  [[nodiscard]] http::Response list(const http::ServerRequest& request);
  [[nodiscard]] http::Response sync(const std::string& out_recharge_no);
  [[nodiscard]] http::Response close(const std::string& out_recharge_no);
  [[nodiscard]] http::Response events(const http::ServerRequest& request);

private:
  Result<wxpay::ApplyRequest> keyed_request(engine::ApplyInput input, const std::string& key);
  http::Response created(const wxpay::ApplyRequest& request);
  RouteContext ctx_;
};

} // namespace recharged::api
