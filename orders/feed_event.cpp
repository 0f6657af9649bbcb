#include "orders/feed_event.hpp"

namespace recharged::orders {

std::string_view to_string(FeedType t) noexcept {
  switch (t) {
  case FeedType::recharging: return "order.recharging";
  case FeedType::succeeded: return "order.succeeded";
  case FeedType::closed: return "order.closed";
  case FeedType::rejected: return "order.rejected";
  case FeedType::suspect: return "order.suspect";
  case FeedType::fund_returned: return "order.fund_returned";
  }
  return "order.unknown";
}

std::optional<FeedType> parse_feed_type(std::string_view text) noexcept {
  for (const FeedType t : k_feed_types)
    if (to_string(t) == text) return t;
  return std::nullopt;
}

} // namespace recharged::orders
