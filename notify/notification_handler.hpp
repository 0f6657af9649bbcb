#pragma once

#include "orders/notification_outcome.hpp"
#include "core/clock.hpp"
#include "engine/planner.hpp"
#include "engine/update_sink.hpp"
#include "http/message.hpp"
#include "storage/order_store.hpp"
#include "wxpay/verifier.hpp"

#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace recharged::notify {

struct HandlerContext {
  storage::OrderStore& store;
  const engine::Planner& planner;
  const Clock& clock;
  wxpay::PlatformKeys keys;      // a copy: cheap (shared key handles) and never dangling
  std::string apiv3_key;  // 32 bytes; never logged
  std::string sp_mchid;   // our platform merchant id
  std::shared_ptr<spdlog::logger> log;
  // Asks for an immediate confirming query of an order (the daemon runs it on a worker).
  std::function<void(const std::string& out_recharge_no)> confirm;
};

// What to answer WeChat Pay, and how the notification was judged (the metrics label).
struct Reply {
  int status = 204;
  std::string body;    // empty for 204; {"code":"FAIL","message":…} otherwise
  std::string event_type; // as received ("unverified" when the signature or decryption failed)
  orders::NotificationOutcome outcome = orders::NotificationOutcome::applied;
  std::string out_recharge_no; // the order the resource names, once decrypted ("" before)
};

// Handles one POST to notify_url (README, "Notifications"; docs/PROTOCOL.md, "Notifications"): verifies the signature over the raw body
// (±300 s, probes refused), decrypts the resource with the APIv3 key, de-duplicates by notification id, and
// records the notification and its effect in one transaction before answering 204. RECHARGE.SUCCESS and
// RECHARGE.CLOSED go through the same funds-safety gate and lifecycle rules as a poll and are followed by a
// confirming query; RECHARGE.FUND_RETURNED is recorded (amount, reason, time) without a state change. Anything
// that fails answers 4xx/5xx with {"code":"FAIL"} and changes nothing. Thread-safe.
class NotificationHandler {
public:
  explicit NotificationHandler(HandlerContext ctx);
  [[nodiscard]] Reply handle(const http::Headers& headers, std::string_view body);

private:
  Reply judge(const http::Headers& headers, std::string_view body, std::string& event_type);
  Reply order_event(const std::string& id, const std::string& event_type, const std::string& summary,
                    std::optional<TimePoint> created, const std::string& plaintext);
  Reply fund_returned(const std::string& id, const std::string& summary, std::optional<TimePoint> created,
                      const std::string& plaintext);
  // Records the notification with what `judge` decides (storage::OrderStore::record_notification), logs it and,
  // when `confirm_after`, asks for a confirming query of a known order.
  Reply store(storage::NotificationRecord record, const storage::NotificationJudge& judge, bool confirm_after = true);

  HandlerContext ctx_;
};

} // namespace recharged::notify
