#include "bench/efficiency/strategy.hpp"

#include "schedule/poll_policy.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace recharged::bench::efficiency {
namespace {

using namespace std::chrono;

constexpr std::array<std::pair<Strategy, std::string_view>, 6> k_names{{
    {Strategy::recharged, "recharged"},
    {Strategy::recharged_full, "recharged_full"},
    {Strategy::fixed_1m, "fixed_1m"},
    {Strategy::fixed_10m, "fixed_10m"},
    {Strategy::age_based, "age_based"},
    {Strategy::retry_list, "retry_list"},
}};
constexpr std::array<Strategy, 5> k_all{Strategy::recharged, Strategy::fixed_1m, Strategy::fixed_10m,
                                        Strategy::age_based, Strategy::retry_list};
constexpr std::array<Millis, 7> k_retry_list{minutes{5}, hours{1}, days{1}, days{1}, days{1}, days{1}, days{1}};

Millis age_based_gap(Millis age) {
  if (age < minutes{10}) return minutes{1};
  if (age < hours{1}) return minutes{10};
  if (age < days{1}) return hours{1};
  return days{1};
}

// The gap after the last query (or the apply), or nullopt when the strategy is done with the order.
std::optional<Millis> baseline_gap(Strategy s, const orders::Order& order, TimePoint base) {
  switch (s) {
  case Strategy::fixed_1m: return minutes{1};
  case Strategy::fixed_10m: return minutes{10};
  case Strategy::age_based: return age_based_gap(base - order.applied_at.value_or(order.created_at));
  case Strategy::retry_list: {
    const auto i = static_cast<std::size_t>(std::max(0, order.poll_count));
    if (i >= k_retry_list.size()) return std::nullopt;
    return k_retry_list[i];
  }
  case Strategy::recharged:
  case Strategy::recharged_full: break;
  }
  return std::nullopt;
}

Visit baseline_visit(Strategy s, const orders::Order& order, TimePoint now) {
  const bool closes = s != Strategy::retry_list;
  if (closes && now >= order.close_after) return {now, true};
  const TimePoint base = order.last_poll_at.value_or(order.applied_at.value_or(order.created_at));
  const auto gap = baseline_gap(s, order, base);
  if (!gap) return {};
  const TimePoint at = std::max(now, base + *gap);
  if (closes && at >= order.close_after) return {order.close_after, true};
  return {at, false};
}

} // namespace

std::string_view to_string(Strategy s) noexcept {
  for (const auto& [strategy, name] : k_names)
    if (strategy == s) return name;
  return "recharged";
}

std::optional<Strategy> parse_strategy(std::string_view text) noexcept {
  for (const auto& [strategy, name] : k_names)
    if (name == text) return strategy;
  return std::nullopt;
}

std::span<const Strategy> all_strategies() noexcept { return k_all; }

Visit next_visit(Strategy s, const orders::Order& order, TimePoint now, const schedule::SettlementCalendar& cal,
                 const schedule::PollPolicyConfig& cfg, const schedule::PushView& push) {
  if (!orders::is_open(order.state)) return {};
  if (s != Strategy::recharged && s != Strategy::recharged_full) return baseline_visit(s, order, now);
  const schedule::PushView view = s == Strategy::recharged ? push : schedule::PushView{};
  const schedule::PlannedPoll p = schedule::plan_next_poll(order, now, cal, cfg, view);
  if (!schedule::is_scheduled(p)) return {};
  return {p.at, p.action == schedule::PollAction::close};
}

} // namespace recharged::bench::efficiency
