#pragma once

#include <optional>
#include <string_view>

namespace recharged::orders {

// What became of one notification we were sent: the answer's label in logs and metrics, and, for a verified one,
// what is stored with it in notifications.outcome (as the text, "applied").
enum class NotificationOutcome {
  // Verified and recorded:
  applied,          // it moved the order
  confirmed,        // it said what we already held
  alert,            // it contradicted the order: recorded as an alert, applied nowhere
  fund_returned,    // a RECHARGE.FUND_RETURNED, kept with the order
  queued_for_query, // it would move the order more than one step: a query decides instead
  ignored,          // an event type we do not act on, kept
  unknown_order,    // no order of ours by that number (answered 404, so the platform retries)
  // Not recorded:
  duplicate,     // its id was recorded before: answered as then, nothing written
  bad_signature, // the signature did not verify
  probe,         // a WECHATPAY/SIGNTEST/ probe signature
  stale,         // its timestamp is outside the allowed skew
  malformed,     // not the JSON the protocol describes
  decrypt,       // the resource did not open with the APIv3 key
  storage_error, // it could not be recorded now (answered 500: the platform retries)
};

[[nodiscard]] std::string_view to_string(NotificationOutcome o) noexcept;
[[nodiscard]] std::optional<NotificationOutcome> parse_notification_outcome(std::string_view text) noexcept;

} // namespace recharged::orders
