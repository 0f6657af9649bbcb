#pragma once

#include <optional>
#include <string_view>

namespace recharged::orders {

// What the merchant's systems are told about (the event feed, webhooks): a change of an order's state that means
// something to them, and a fund return. CLOSING is internal and announces nothing. Stored as the text
// ("order.succeeded") in feed_events.type.
enum class FeedType { recharging, succeeded, closed, rejected, suspect, fund_returned };

[[nodiscard]] std::string_view to_string(FeedType t) noexcept;
[[nodiscard]] std::optional<FeedType> parse_feed_type(std::string_view text) noexcept;
// Every type, in the order above (config validation, docs).
inline constexpr FeedType k_feed_types[] = {FeedType::recharging, FeedType::succeeded, FeedType::closed,
                                            FeedType::rejected,   FeedType::suspect,   FeedType::fund_returned};

} // namespace recharged::orders
