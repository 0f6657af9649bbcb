#pragma once

#include "core/clock.hpp"
#include "core/stop_signal.hpp"
#include "http/curl_transport.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/identity.hpp"
#include "sandbox/platform.hpp"
#include "sandbox/rng.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace recharged::sandbox {

// The real platform's retry intervals after a failed delivery (APIv3 payment notices; docs/PROTOCOL.md, "Notifications"):
// 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, about 24 hours in all.
[[nodiscard]] std::vector<Millis> default_retry_schedule();

struct NotifierConfig {
  // "" delivers to each order's notify_url as given. A base URL ("http://127.0.0.1:8480") delivers there
  // instead, to the notify_url's path: the apply needs an https notify_url, the demo daemon listens on http.
  std::string notify_target;
  double lost_share = 0;              // share of notifications never sent at all (seeded)
  std::vector<Millis> retry_schedule = default_retry_schedule(); // in sandbox-clock time
  Millis timeout{5'000};              // the receiver must answer within this (real time)
  std::uint64_t seed = 1;
};

enum class DeliveryState { pending, delivered, lost, given_up };
[[nodiscard]] std::string_view to_string(DeliveryState s) noexcept;

// One notification and what became of it.
struct Delivery {
  std::string id;          // the notification id ("EV-…"), the same on every attempt
  std::string event_type;  // RECHARGE.SUCCESS | RECHARGE.CLOSED | RECHARGE.FUND_RETURNED
  std::string out_recharge_no;
  std::string url;         // where it is posted
  std::string body;        // the envelope JSON (resource encrypted), identical on every attempt
  std::string plaintext;   // the resource before encryption
  TimePoint created;
  TimePoint next_attempt;
  int attempts = 0;
  DeliveryState state = DeliveryState::pending;
  int last_status = 0;     // 0 = no HTTP answer
  std::string last_error;
};

// Posts RECHARGE.* notifications for platform events: resource sealed with AEAD_AES_256_GCM under the APIv3
// key, envelope signed with the platform key (Wechatpay-Serial = PUB_KEY_ID_…), success = any 2xx; failures
// retried on the schedule, then given up. Either start() the background thread or call deliver_due()
// yourself. Thread-safe.
class Notifier {
public:
  Notifier(NotifierConfig config, PlatformIdentity identity, Clock& clock, FaultInjector& faults, LogSink log = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues the notification `event` causes; nothing for events without one or orders without notify_url.
  void enqueue(const PlatformEvent& event);
  // Makes every attempt due at clock.now(), in the calling thread; returns how many were made.
  std::size_t deliver_due();
  // The next pending attempt, if any.
  [[nodiscard]] std::optional<TimePoint> next_due() const;
  void start();
  void stop();
  [[nodiscard]] std::vector<Delivery> deliveries() const;

private:
  Delivery build(const PlatformEvent& event, std::string_view type);
  bool attempt(const Delivery& delivery, std::string& error, int& status);
  http::Transport* transport_for(const std::string& base);
  void finish_attempt(std::size_t index, bool ok, int status, std::string error);
  void log(const std::string& line) const;

  NotifierConfig config_;
  PlatformIdentity identity_;
  Clock& clock_;
  FaultInjector& faults_;
  LogSink log_;
  mutable std::mutex mu_;
  std::vector<Delivery> deliveries_;
  Rng rng_;
  std::uint64_t sequence_ = 0;
  StopSignal stop_; // before transports_, which hold a pointer to it
  std::mutex deliver_mu_; // one deliverer at a time; guards transports_
  std::map<std::string, std::unique_ptr<http::CurlTransport>> transports_;
  std::thread thread_;
};

} // namespace recharged::sandbox
