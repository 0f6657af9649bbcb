#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::storage {

// One row of the event feed (feed_events), with the number of the order it is about.
struct FeedEvent {
  std::int64_t id = 0; // the cursor; grows in commit order
  std::int64_t order_id = 0;
  std::string out_recharge_no;
  std::string type;    // order.recharging | order.succeeded | order.closed | order.rejected | order.suspect | order.fund_returned
  std::string at;      // RFC 3339 UTC, as recorded
  std::string data;    // the JSON payload fixed at the change: {"order": …} (+ "fund_return" for order.fund_returned)
};

// "evt_<id>": an event's id in the API and the webhook-id of its deliveries.
[[nodiscard]] std::string event_id(std::int64_t id);
// A feed cursor as a caller gives it back: the decimal id ("42") or an event id ("evt_42"); 0 is the start.
// A malformed text is invalid input naming `field`.
[[nodiscard]] Result<std::int64_t> parse_event_cursor(std::string_view text, const std::string& field);
// The event as the API and webhooks show it: {"id":"evt_<id>","type":…,"timestamp":<at>,"data":<data>}. A data
// text that is not JSON (never written so) is shown as a string rather than dropped.
[[nodiscard]] nlohmann::json event_envelope(const FeedEvent& event);

// The read side of the event feed, on either backend (SqliteFeedStore, PgFeedStore; one contract suite). Each
// implementation has its own connection and serialises its calls on it. Thread-safe.
class FeedStore {
public:
  virtual ~FeedStore() = default;

  // Events with id > `after`, oldest first, at most `limit` (1 or more).
  [[nodiscard]] virtual Result<std::vector<FeedEvent>> after(std::int64_t after, int limit) = 0;
  // The newest event's id, 0 for an empty feed.
  [[nodiscard]] virtual Result<std::int64_t> last_id() = 0;
};

} // namespace recharged::storage
