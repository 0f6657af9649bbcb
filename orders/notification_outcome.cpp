#include "orders/notification_outcome.hpp"

#include <array>
#include <utility>

namespace recharged::orders {
namespace {

constexpr std::array<std::pair<NotificationOutcome, std::string_view>, 14> k_names{{
    {NotificationOutcome::applied, "applied"},
    {NotificationOutcome::confirmed, "confirmed"},
    {NotificationOutcome::alert, "alert"},
    {NotificationOutcome::fund_returned, "fund_returned"},
    {NotificationOutcome::queued_for_query, "queued_for_query"},
    {NotificationOutcome::ignored, "ignored"},
    {NotificationOutcome::unknown_order, "unknown_order"},
    {NotificationOutcome::duplicate, "duplicate"},
    {NotificationOutcome::bad_signature, "bad_signature"},
    {NotificationOutcome::probe, "probe"},
    {NotificationOutcome::stale, "stale"},
    {NotificationOutcome::malformed, "malformed"},
    {NotificationOutcome::decrypt, "decrypt"},
    {NotificationOutcome::storage_error, "storage_error"},
}};

} // namespace

std::string_view to_string(NotificationOutcome o) noexcept {
  for (const auto& [outcome, name] : k_names)
    if (outcome == o) return name;
  return "unknown";
}

std::optional<NotificationOutcome> parse_notification_outcome(std::string_view text) noexcept {
  for (const auto& [outcome, name] : k_names)
    if (name == text) return outcome;
  return std::nullopt;
}

} // namespace recharged::orders
