#include "orders/order.hpp"

#include <array>
#include <utility>

namespace recharged::orders {
namespace {

template <class E, std::size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<OrderState, 7> k_states{{{OrderState::new_order, "NEW"},
                                         {OrderState::recharging, "RECHARGING"},
                                         {OrderState::closing, "CLOSING"},
                                         {OrderState::success, "SUCCESS"},
                                         {OrderState::closed, "CLOSED"},
                                         {OrderState::rejected, "REJECTED"},
                                         {OrderState::suspect, "SUSPECT"}}};
constexpr Table<EventSource, 6> k_sources{{{EventSource::apply, "apply"},
                                           {EventSource::poll, "poll"},
                                           {EventSource::notify, "notify"},
                                           {EventSource::close, "close"},
                                           {EventSource::operator_action, "operator"},
                                           {EventSource::recovery, "recovery"}}};
constexpr Table<EventKind, 6> k_kinds{{{EventKind::created, "created"},
                                       {EventKind::state_changed, "state_changed"},
                                       {EventKind::api_call, "api_call"},
                                       {EventKind::alert, "alert"},
                                       {EventKind::notification, "notification"},
                                       {EventKind::fund_returned, "fund_returned"}}};

template <class E, std::size_t N>
std::string_view name(const Table<E, N>& t, E v) noexcept {
  for (const auto& [k, n] : t)
    if (k == v) return n;
  return "?";
}

template <class E, std::size_t N>
std::optional<E> find(const Table<E, N>& t, std::string_view text) noexcept {
  for (const auto& [k, n] : t)
    if (n == text) return k;
  return std::nullopt;
}

} // namespace

std::string_view to_string(OrderState s) noexcept { return name(k_states, s); }
std::optional<OrderState> parse_order_state(std::string_view t) noexcept { return find(k_states, t); }
std::string_view to_string(EventSource s) noexcept { return name(k_sources, s); }
std::optional<EventSource> parse_event_source(std::string_view t) noexcept { return find(k_sources, t); }
std::string_view to_string(EventKind k) noexcept { return name(k_kinds, k); }
std::optional<EventKind> parse_event_kind(std::string_view t) noexcept { return find(k_kinds, t); }

bool is_terminal(OrderState s) noexcept {
  return s == OrderState::success || s == OrderState::closed || s == OrderState::rejected;
}

bool is_open(OrderState s) noexcept {
  return s == OrderState::new_order || s == OrderState::recharging || s == OrderState::closing;
}

} // namespace recharged::orders
