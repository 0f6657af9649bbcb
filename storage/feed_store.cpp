#include "storage/feed_store.hpp"

#include <charconv>

namespace recharged::storage {

std::string event_id(std::int64_t id) { return "evt_" + std::to_string(id); }

Result<std::int64_t> parse_event_cursor(std::string_view text, const std::string& field) {
  std::string_view digits = text;
  if (digits.starts_with("evt_")) digits.remove_prefix(4);
  std::int64_t id = -1;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || id < 0)
    return Error::invalid(field, "The " + field + " '" + std::string(text.substr(0, 64)) +
                                     "' is not a feed cursor: give the next_cursor of a previous page, an event id "
                                     "(evt_42) or 0 for the start.");
  return id;
}

nlohmann::json event_envelope(const FeedEvent& e) {
  nlohmann::json data = nlohmann::json::parse(e.data, nullptr, false);
  if (data.is_discarded()) data = e.data;
  return nlohmann::json{{"id", event_id(e.id)},
                        {"type", e.type},
                        {"timestamp", e.at},
                        {"data", std::move(data)}};
}

} // namespace recharged::storage
