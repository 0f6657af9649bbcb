#include "orders/notification_outcome.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace recharged::orders;

TEST_CASE("every notification outcome has its own stored text and reads back from it") {
  std::set<std::string> seen;
  for (int i = 0; i <= static_cast<int>(NotificationOutcome::storage_error); ++i) {
    const auto o = static_cast<NotificationOutcome>(i);
    const std::string text(to_string(o));
    CAPTURE(text);
    CHECK(text != "unknown");
    CHECK(seen.insert(text).second);
    CHECK(parse_notification_outcome(text) == o);
  }
  CHECK(to_string(NotificationOutcome::applied) == "applied"); // the text notifications.outcome already holds
  CHECK(to_string(NotificationOutcome::unknown_order) == "unknown_order");
  CHECK_FALSE(parse_notification_outcome("Applied").has_value());
  CHECK_FALSE(parse_notification_outcome("").has_value());
}
