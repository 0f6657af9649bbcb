#pragma once

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "http/transport.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/signature.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spdlog {
class logger;
}

namespace recharged::webhooks {

// Reads an endpoint's secret file: one "whsec_…" secret per line (two while rotating; blank and # lines skipped),
// mode 600 like the platform keys. Errors name `webhooks.<name>.secret_file`, never a secret.
[[nodiscard]] Result<std::vector<Secret>> load_secrets(const config::WebhookConfig& endpoint);

// Makes the HTTP client of one endpoint (tests inject their own).
using TransportFactory = std::function<std::unique_ptr<http::Transport>(const config::WebhookConfig&, const StopSignal&)>;
// libcurl, TLS verified against the system trust store, the endpoint's timeout for the whole attempt.
[[nodiscard]] std::unique_ptr<http::Transport> curl_transport(const config::WebhookConfig& endpoint, const StopSignal& stop);

struct DelivererOptions {
  int batch = 64;                 // deliveries taken per round and endpoint
  int fan_out_batch = 1000;       // feed events turned into deliveries per round
  Millis idle_poll{250};          // how often an idle endpoint looks for new events (new rows from any process)
  Millis backlog_report{600'000}; // how often an endpoint with undelivered messages older than an hour is reported
};

// Outcome counters since start, by endpoint: what /metrics exports.
struct DeliveryCounters {
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0; // attempts that failed and were scheduled again
  std::uint64_t failed = 0;  // deliveries given up after the whole retry schedule
};

// Takes the event feed to the merchant's endpoints: one thread per endpoint turns new feed rows into deliveries
// (storage::WebhookStore::fan_out), sends the due ones signed per Standard Webhooks, oldest first and per order in
// feed order, and records every attempt. 2xx is delivered; anything else (status, timeout, reset, refused
// connection) is retried on retry_delay's schedule, then given up as failed and logged as an error. When an
// attempt fails, the endpoint's round ends: a dead endpoint costs one attempt per round, not one per message.
// Delivery is at least once: a crash between a 2xx and its record sends the message again with the same
// webhook-id.
class Deliverer {
public:
  Deliverer(std::vector<config::WebhookConfig> endpoints, storage::WebhookStore& store, const Clock& clock,
            std::shared_ptr<spdlog::logger> log, DelivererOptions options = {}, TransportFactory transports = curl_transport);
  ~Deliverer(); // stops and joins
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Loads every endpoint's secrets (refusing a bad file before anything runs) and starts the threads.
  [[nodiscard]] Status start();
  void stop();

  [[nodiscard]] std::map<std::string, DeliveryCounters> counters() const;
  [[nodiscard]] storage::WebhookStore& store() noexcept { return store_; }

private:
  struct Endpoint;
  void run(Endpoint& endpoint);
  bool round(Endpoint& endpoint); // true when it delivered something (look again at once)
  bool attempt(Endpoint& endpoint, const storage::DueDelivery& due); // true when delivered
  void report_backlog(Endpoint& endpoint);

  std::vector<config::WebhookConfig> configs_; // until start() moves each into its Endpoint
  storage::WebhookStore& store_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  DelivererOptions options_;
  TransportFactory transports_;
  StopSignal stop_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::map<std::string, DeliveryCounters> counters_; // guarded by mu_
};

} // namespace recharged::webhooks
