#include "schedule/poll_policy.hpp"

#include "schedule/backoff.hpp"
#include "schedule/interbank_timing.hpp"
#include "schedule/jitter.hpp"
#include "wxpay/enums.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <utility>

namespace recharged::schedule {

using namespace std::chrono;
using orders::Order;
using orders::OrderState;

namespace {

// Salts that keep the jitter of different rules independent for the same (order, poll_count).
enum class Salt : std::uint64_t { cadence = 1, bank = 2, reopen = 3, deadline = 4, office = 5, safety = 6 };

constexpr std::array<std::pair<PollRule, std::string_view>, 13> k_rule_names{{
    {PollRule::recovery, "new"},
    {PollRule::qr_window, "qr window"},
    {PollRule::decay, "decay"},
    {PollRule::bank_open, "bank open"},
    {PollRule::bank_office, "bank office"},
    {PollRule::bank_preclose, "bank preclose"},
    {PollRule::bank_reopen, "bank"},
    {PollRule::backoff, "backoff"},
    {PollRule::stale_close, "stale"},
    {PollRule::closing, "closing"},
    {PollRule::terminal, "terminal"},
    {PollRule::suspect, "suspect"},
    {PollRule::safety_net, "safety net"},
}};

// A proposed poll: when, by which rule, why, and the spacing it was planned with (0 when not cadence-like).
struct Candidate {
  TimePoint at;
  PollRule rule;
  std::string why;
  Millis spacing{0};
};

// Everything one planning step needs, computed once.
struct Context {
  const Order& order;
  TimePoint now;
  const SettlementCalendar& cal;
  const PollPolicyConfig& cfg;
  ChannelProfile channels;
  TimePoint anchor;   // the payer's clock starts here
  TimePoint deadline; // the stale close
  std::uint64_t seed; // this poll's jitter seed
  PollSchedule schedule = PollSchedule::full;
  TimePoint push_since{};
};

Millis scaled(Millis d, double factor) {
  return Millis{std::llround(static_cast<double>(d.count()) * factor)};
}

// Durations for humans: whole hours past a day, whole minutes past an hour, whole seconds otherwise.
std::string short_duration(Millis d) {
  if (d >= days{1}) return format_duration(round<hours>(d));
  if (d >= hours{1}) return format_duration(round<minutes>(d));
  if (d >= seconds{1}) return format_duration(round<seconds>(d));
  return format_duration(d);
}

// "Mon 20:30", Shanghai time.
std::string shanghai_clock(TimePoint t) {
  static constexpr std::array<const char*, 7> k_days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const auto local = t + k_shanghai_offset;
  const auto day = floor<days>(local);
  const hh_mm_ss hms{floor<minutes>(local - day)};
  const unsigned wd = weekday{day}.c_encoding();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d", k_days[wd], static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  return buf;
}

// "Tue 02-24 00:00", Shanghai time: for instants days away, across holidays.
std::string shanghai_day_clock(TimePoint t) {
  const Date d = shanghai_date(t);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u-%02u", static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  const std::string clock = shanghai_clock(t);
  return clock.substr(0, 4) + buf + clock.substr(3);
}

std::string with_prefix(PollRule rule, const std::string& why) {
  return std::string(to_string(rule)) + ": " + why;
}

// Deterministic ±jitter_ratio·spacing, at most jitter_max either way.
Millis signed_jitter(Millis spacing, const PollPolicyConfig& cfg, std::uint64_t seed) {
  const double u = unit_interval(seed) * 2.0 - 1.0;
  const Millis j = scaled(spacing, cfg.jitter_ratio * u);
  return std::clamp(j, -cfg.jitter_max, cfg.jitter_max);
}

std::uint64_t salted(const Context& ctx, Salt salt) { return mix_seed(ctx.seed, static_cast<std::uint64_t>(salt)); }

TimePoint anchor_of(const Order& order) { return order.applied_at.value_or(order.created_at); }

Millis age_at(const Context& ctx, TimePoint t) { return std::max(Millis{0}, t - ctx.anchor); }

// Spacing that stays at `floor` until `phase_end`, then grows by decay_ratio of the time since, up to max.
Millis decayed(Millis floor, Millis age, Millis phase_end, const PollPolicyConfig& cfg) {
  if (age < phase_end) return floor;
  return std::clamp(floor + scaled(age - phase_end, cfg.decay_ratio), floor, std::max(floor, cfg.max_interval));
}

Candidate instant_cadence(const Context& ctx, TimePoint base) {
  const auto& cfg = ctx.cfg;
  const Millis age = age_at(ctx, base);
  const Millis dense_end = cfg.dense_window + cfg.instant_settle_delay;
  const Millis spacing = decayed(cfg.dense_interval, age, dense_end, cfg);
  const TimePoint at = base + spacing + signed_jitter(spacing, cfg, salted(ctx, Salt::cadence));
  if (age < dense_end)
    return {at, PollRule::qr_window,
            "every " + short_duration(spacing) + " for " + short_duration(dense_end) + " after acceptance", spacing};
  return {at, PollRule::decay, "every " + short_duration(spacing) + " at age " + short_duration(age), spacing};
}

// A bank-transfer poll during open hours; none inside a closed window or before its held transfers could land.
std::optional<Candidate> bank_cadence(const Context& ctx, TimePoint base) {
  const auto& cfg = ctx.cfg;
  const Millis age = age_at(ctx, base);
  const Millis spacing = decayed(cfg.bank_interval, age, cfg.bank_window, cfg);
  const TimePoint at = base + spacing + signed_jitter(spacing, cfg, salted(ctx, Salt::bank));
  if (transfers_settled_at(ctx.cal, at, cfg.bank_settle_delay)) {
    const std::string why = age < cfg.bank_window
                                ? "every " + short_duration(spacing) + " for " + short_duration(cfg.bank_window)
                                : "every " + short_duration(spacing) + " at age " + short_duration(age);
    return Candidate{at, PollRule::bank_open, why, spacing};
  }
  if (!ctx.cal.interbank_open(base)) return std::nullopt;
  const TimePoint closes = ctx.cal.next_interbank_close(base);
  const TimePoint last_look = closes - cfg.bank_preclose_lead;
  // Whatever lands before the close stays unseen until the poll after the reopening (over a weekend or a
  // holiday, days later), so the last look is skipped only right after a poll, even when polls are hours apart.
  if (closes > at || last_look < base + cfg.min_spacing) return std::nullopt;
  return Candidate{last_look, PollRule::bank_preclose, "last look before interbank closes " + shanghai_clock(closes),
                   spacing};
}

// Office hours, Shanghai time, on working days: when people send bank transfers (the system closes at 17:15).
constexpr Millis k_office_open = hours{9};
constexpr Millis k_office_close = hours{17} + minutes{15};

// The first instant >= t inside office hours.
TimePoint next_office_instant(const SettlementCalendar& cal, TimePoint t) {
  for (int i = 0; i < 40; ++i) {
    const Date day = shanghai_date(t);
    const TimePoint midnight = shanghai_midnight(day);
    if (cal.is_working_day(day) && t < midnight + k_office_close) return std::max(t, midnight + k_office_open);
    t = midnight + days{1};
  }
  return t;
}

// Past the bank window, a bank-capable order is queried at most bank_office_interval after the previous query
// while office hours last, and one interval into the next office day otherwise: transfers sent days after the
// apply land at office hours, when the decayed cadence may be hours apart.
std::optional<Candidate> office_cadence(const Context& ctx, TimePoint base) {
  const auto& cfg = ctx.cfg;
  const Millis gap = cfg.bank_office_interval;
  if (gap <= Millis{0} || age_at(ctx, base) < cfg.bank_window) return std::nullopt;
  const TimePoint earliest = base + gap + signed_jitter(gap, cfg, salted(ctx, Salt::office));
  TimePoint at = next_office_instant(ctx.cal, earliest);
  if (at != earliest) at = next_office_instant(ctx.cal, at + gap); // a new office day: wait one gap into it
  return Candidate{at, PollRule::bank_office, "every " + short_duration(gap) + " in office hours", gap};
}

Candidate reopen_poll(const Context& ctx, TimePoint base) {
  const auto& cfg = ctx.cfg;
  const TimePoint reopens = next_reopening(ctx.cal, base, cfg.bank_settle_delay);
  const Millis spread = scaled(cfg.bank_reopen_spread, unit_interval(salted(ctx, Salt::reopen)));
  return {reopens + cfg.bank_settle_delay + spread, PollRule::bank_reopen,
          "interbank reopens " + shanghai_clock(reopens) + " +" + short_duration(cfg.bank_settle_delay) +
              " settlement",
          cfg.bank_settle_delay};
}

// While push is healthy: one query at safety_ratio × age after the previous one (at least safety_first_poll, at
// most safety_max_interval), whatever the channels; a notification reports the payment long before.
Candidate safety_poll(const Context& ctx, TimePoint base) {
  const auto& cfg = ctx.cfg;
  const Millis age = age_at(ctx, base);
  const Millis spacing = std::clamp(scaled(age, cfg.safety_ratio), cfg.safety_first_poll, cfg.safety_max_interval);
  const TimePoint at = base + spacing + signed_jitter(spacing, cfg, salted(ctx, Salt::safety));
  return {at, PollRule::safety_net, "every " + short_duration(spacing) + " at age " + short_duration(age) +
                                        ", push healthy since " + shanghai_day_clock(ctx.push_since),
          spacing};
}

// A bank-only order's safety poll that falls in a closed interbank window: nothing lands while it is closed, so
// look one last time before it closes (money that landed since the last poll would otherwise stay unseen until
// the reopening, days later over a holiday), else just after the reopening + settlement.
Candidate bank_only_safety(const Context& ctx, TimePoint base, Candidate c) {
  if (ctx.cal.interbank_open(base)) {
    const TimePoint closes = ctx.cal.next_interbank_close(base);
    const TimePoint last_look = closes - ctx.cfg.bank_preclose_lead;
    if (closes <= c.at && last_look >= base + ctx.cfg.min_spacing)
      return {last_look, PollRule::safety_net, "last look before interbank closes " + shanghai_clock(closes),
              c.spacing};
  }
  Candidate reopen = reopen_poll(ctx, c.at);
  reopen.rule = PollRule::safety_net;
  reopen.why = "after the " + reopen.why;
  return reopen;
}

Candidate backoff_poll(const Context& ctx, std::string_view what) {
  const int streak = ctx.order.failure_streak;
  const Millis delay = retry_delay(streak, ctx.cfg.backoff, ctx.seed);
  const TimePoint base = ctx.order.last_poll_at.value_or(ctx.now);
  return {base + delay, PollRule::backoff,
          std::string(what) + "after " + std::to_string(streak) + (streak == 1 ? " failure" : " failures") +
              ", retry in " + short_duration(delay),
          Millis{0}};
}

std::uint64_t deadline_seed(const Order& order) {
  return mix_seed(jitter_seed(order.out_recharge_no, 0), static_cast<std::uint64_t>(Salt::deadline));
}

// stale_close_age after acceptance, minus a deterministic jitter of up to jitter_max (and 1 % of the age).
TimePoint nominal_close(const Order& order, const PollPolicyConfig& cfg) {
  const Millis early = std::min(cfg.jitter_max, cfg.stale_close_age / 100);
  return anchor_of(order) + cfg.stale_close_age - scaled(early, unit_interval(deadline_seed(order)));
}

// Why the close is where it is: for orders that allow bank transfer, the reopening it waits for, or the closed
// window whose reopening comes too late to wait for. Derived from the deadline itself, so it also explains a
// close_after stored under another configuration.
std::string close_why(const Context& ctx) {
  const auto& cfg = ctx.cfg;
  const TimePoint at = ctx.deadline;
  const Millis age = at - ctx.anchor;
  // Later than the order's own deadline: moved by a returned payment (close_deadline_after_return).
  const std::string after_return =
      at > stale_close_deadline(ctx.order, ctx.cal, cfg) ? ", after a returned payment the payer may send again" : "";
  if (!ctx.channels.bank) return "close at age " + short_duration(age) + after_return;
  const std::string expiry = "link expires " + shanghai_day_clock(ctx.anchor + k_link_lifetime);
  const std::string settle = " +" + short_duration(cfg.bank_settle_delay) + " settlement";
  if (at > nominal_close(ctx.order, cfg)) {
    const auto waited =
        last_reopening_before(ctx.cal, at - cfg.bank_reopen_spread - seconds{1}, at, cfg.bank_settle_delay);
    // To the minute: a close that waited is near the expiry, which an age rounded to hours could reach.
    std::string why = "close at age " + format_duration(round<minutes>(age)) + after_return;
    if (!waited) return why + (after_return.empty() ? ", deferred for transfers held by a closed interbank window" : "");
    why += ", waits for the interbank reopening at " + shanghai_day_clock(*waited) + settle;
    if (*waited + cfg.bank_settle_delay > at) why += " as far as the close's margin allows";
    return why + "; " + expiry;
  }
  std::string why = "close at age " + short_duration(age);
  if (transfers_settled_at(ctx.cal, at, cfg.bank_settle_delay)) return why;
  const TimePoint reopens = next_reopening(ctx.cal, at, cfg.bank_settle_delay);
  why += ", interbank closed until " + shanghai_day_clock(reopens);
  if (reopens >= ctx.anchor + k_link_lifetime) return why + ", after the " + expiry;
  return why + settle + ", too late: the close keeps " + short_duration(k_link_lifetime - cfg.close_latest_age) +
         " before the " + expiry;
}

PlannedPoll close_now_or_at_deadline(const Context& ctx) {
  if (ctx.now < ctx.deadline)
    return {ctx.deadline, PollAction::close, with_prefix(PollRule::stale_close, close_why(ctx)), PollRule::stale_close};
  if (ctx.order.failure_streak > 0) {
    const Candidate retry = backoff_poll(ctx, "stale close ");
    return {std::max(ctx.now, retry.at), PollAction::close, with_prefix(PollRule::backoff, retry.why),
            PollRule::backoff};
  }
  return {ctx.now, PollAction::close, with_prefix(PollRule::stale_close, close_why(ctx) + " (due now)"),
          PollRule::stale_close};
}

// Applies the rules every query obeys: min spacing, the stale deadline, never in the past.
PlannedPoll finish(const Context& ctx, Candidate c) {
  if (ctx.order.last_poll_at) c.at = std::max(c.at, *ctx.order.last_poll_at + ctx.cfg.min_spacing);
  if (c.at >= ctx.deadline) return close_now_or_at_deadline(ctx);
  std::string reason = with_prefix(c.rule, c.why);
  if (c.at < ctx.now) {
    c.at = ctx.now;
    reason += " (overdue)";
  }
  return {c.at, PollAction::query, std::move(reason), c.rule};
}

PlannedPoll plan_recharging(const Context& ctx) {
  if (ctx.now >= ctx.deadline) return close_now_or_at_deadline(ctx);
  if (ctx.order.failure_streak > 0) return finish(ctx, backoff_poll(ctx, ""));
  const TimePoint base = ctx.order.last_poll_at.value_or(ctx.anchor);
  std::optional<Candidate> best;
  const auto consider = [&](std::optional<Candidate> c) {
    if (!c || c->at + c->spacing / 2 >= ctx.deadline) return; // the close, which queries first, covers it
    if (!best || c->at < best->at) best = std::move(c);
  };
  if (ctx.schedule == PollSchedule::safety_net) {
    // No candidate is dropped near the close (finish() turns one past it into the close), so no gap exceeds
    // safety_max_interval + jitter: that is the bound on finding a payment whose notification is lost.
    Candidate c = safety_poll(ctx, base);
    if (!ctx.channels.instant && !transfers_settled_at(ctx.cal, c.at, ctx.cfg.bank_settle_delay))
      c = bank_only_safety(ctx, base, std::move(c));
    return finish(ctx, std::move(c));
  }
  if (ctx.channels.instant) consider(instant_cadence(ctx, base));
  if (ctx.channels.bank) {
    consider(bank_cadence(ctx, base));
    consider(office_cadence(ctx, base));
    Candidate reopen = reopen_poll(ctx, base);
    // A cadence poll shortly before a reopen poll waits for it: one call sees both.
    if (best && reopen.at - best->at <= best->spacing / 4) best.reset();
    consider(std::move(reopen));
  }
  if (!best) return close_now_or_at_deadline(ctx);
  return finish(ctx, std::move(*best));
}

PlannedPoll plan_new(const Context& ctx) {
  if (ctx.now >= ctx.deadline) return close_now_or_at_deadline(ctx);
  if (ctx.order.failure_streak > 0) return finish(ctx, backoff_poll(ctx, "recovery query "));
  const TimePoint base = std::max(ctx.order.created_at, ctx.order.last_poll_at.value_or(ctx.order.created_at));
  return finish(ctx, {base + ctx.cfg.new_recovery_delay, PollRule::recovery,
                      "recovery query, apply outcome unknown", Millis{0}});
}

PlannedPoll plan_closing(const Context& ctx) {
  const auto& order = ctx.order;
  Candidate c = order.failure_streak > 0
                    ? backoff_poll(ctx, "close confirmation ")
                    : Candidate{order.last_poll_at.value_or(order.updated_at) + ctx.cfg.closing_confirm_delay,
                                PollRule::closing, "confirm the requested close", Millis{0}};
  if (order.last_poll_at) c.at = std::max(c.at, *order.last_poll_at + ctx.cfg.min_spacing);
  std::string reason = with_prefix(c.rule, c.why);
  if (c.at < ctx.now) c.at = ctx.now;
  return {c.at, PollAction::close, std::move(reason), c.rule};
}

TimePoint close_deadline_of(const Order& order, const SettlementCalendar& cal, const PollPolicyConfig& cfg) {
  return order.close_after != TimePoint{} ? order.close_after : stale_close_deadline(order, cal, cfg);
}

} // namespace

std::string_view to_string(PollAction a) noexcept { return a == PollAction::close ? "close" : "query"; }

std::optional<PollAction> parse_poll_action(std::string_view text) noexcept {
  if (text == "query") return PollAction::query;
  if (text == "close") return PollAction::close;
  return std::nullopt;
}

std::string_view to_string(PollRule r) noexcept {
  for (const auto& [rule, name] : k_rule_names)
    if (rule == r) return name;
  return "terminal";
}

bool is_scheduled(const PlannedPoll& p) noexcept { return p.at != TimePoint::max(); }

std::string_view to_string(PollSchedule s) noexcept { return s == PollSchedule::safety_net ? "safety net" : "full"; }

PollSchedule schedule_for(const PollPolicyConfig& cfg, const PushView& push) noexcept {
  return cfg.push_aware && push.health == PushHealth::healthy ? PollSchedule::safety_net : PollSchedule::full;
}

std::string schedule_why(const PollPolicyConfig& cfg, const PushView& push) {
  if (!cfg.push_aware) return "push_aware = false: the full schedule whatever the notifications do";
  const std::string since = " since " + format_rfc3339(push.since);
  switch (push.health) {
  case PushHealth::healthy: return "push healthy" + since + ": notifications report payments, queries are a safety net";
  case PushHealth::unhealthy: return "push unhealthy" + since + ": queries alone must find every payment";
  case PushHealth::unknown: break;
  }
  return "push health unknown" + since + " (no run of verified notifications yet): the full schedule";
}

ChannelProfile channel_profile(const Order& order) noexcept {
  if (order.channels.empty()) return {true, true};
  ChannelProfile p;
  for (const auto& c : order.channels) {
    if (wxpay::parse<wxpay::RechargeChannel>(c) == wxpay::RechargeChannel::bank_transfer) p.bank = true;
    else p.instant = true; // QR_RECHARGE, ONLINE_BANK, or a channel we do not know: assume it lands any time
  }
  return p;
}

TimePoint stale_close_deadline(const Order& order, const SettlementCalendar& cal, const PollPolicyConfig& cfg) {
  const TimePoint nominal = nominal_close(order, cfg);
  if (!channel_profile(order).bank) return nominal;
  // A transfer held by a closed window lands within the settlement delay after the reopening. Wait for the last
  // reopening before the latest close (which leaves the close its margin before the link expires): whatever
  // was sent before the close has then landed (the close's final query sees it), or lands after that latest
  // close anyway.
  const TimePoint latest = anchor_of(order) + cfg.close_latest_age;
  const auto reopens = last_reopening_before(cal, nominal, latest, cfg.bank_settle_delay);
  if (!reopens) return nominal;
  const Millis spread = scaled(cfg.bank_reopen_spread, unit_interval(mix_seed(deadline_seed(order), 1)));
  return std::min(*reopens + cfg.bank_settle_delay + spread, latest);
}

TimePoint close_deadline_after_return(const Order& order, TimePoint returned_at, const SettlementCalendar& cal,
                                      const PollPolicyConfig& cfg) {
  // The stored close already comes after the last reopening before the latest close, so a later close, up to
  // that latest close, has no reopening left to wait for.
  const TimePoint stored = close_deadline_of(order, cal, cfg);
  if (cfg.close_return_wait == Millis{0}) return stored;
  return std::max(stored, std::min(returned_at + cfg.close_return_wait, anchor_of(order) + cfg.close_latest_age));
}

PlannedPoll plan_next_poll(const Order& order, TimePoint now, const SettlementCalendar& cal,
                           const PollPolicyConfig& cfg, const PushView& push) {
  switch (order.state) {
  case OrderState::success:
  case OrderState::closed:
  case OrderState::rejected:
    return {TimePoint::max(), PollAction::query,
            with_prefix(PollRule::terminal, std::string(orders::to_string(order.state)) + " never changes"),
            PollRule::terminal};
  case OrderState::suspect:
    return {TimePoint::max(), PollAction::query,
            with_prefix(PollRule::suspect, "quarantined for an operator, automation never polls it"),
            PollRule::suspect};
  default: break;
  }
  const Context ctx{order,
                    now,
                    cal,
                    cfg,
                    channel_profile(order),
                    anchor_of(order),
                    close_deadline_of(order, cal, cfg),
                    jitter_seed(order.out_recharge_no, order.poll_count),
                    schedule_for(cfg, push),
                    push.since};
  if (order.state == OrderState::closing) return plan_closing(ctx);
  if (order.state == OrderState::new_order) return plan_new(ctx);
  return plan_recharging(ctx);
}

std::vector<PlannedPoll> plan_until_close(const Order& order, TimePoint from, const SettlementCalendar& cal,
                                          const PollPolicyConfig& cfg, std::size_t max_polls, const PushView& push) {
  Order o = order;
  if (o.close_after == TimePoint{}) o.close_after = stale_close_deadline(o, cal, cfg);
  std::vector<PlannedPoll> plan;
  TimePoint now = from;
  while (plan.size() < max_polls) {
    PlannedPoll p = plan_next_poll(o, now, cal, cfg, push);
    const bool last = !is_scheduled(p) || p.action == PollAction::close;
    now = p.at;
    plan.push_back(std::move(p));
    if (last) break;
    o.last_poll_at = now;
    ++o.poll_count;
    o.failure_streak = 0;
    if (o.state == OrderState::new_order) {
      o.state = OrderState::recharging; // assume the recovery query finds the order accepted
      if (!o.applied_at) o.applied_at = o.created_at;
    }
  }
  return plan;
}

} // namespace recharged::schedule
