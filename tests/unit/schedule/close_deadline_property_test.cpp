// The stale close against every interbank reopening of 2024, 2025 and 2026: for orders accepted at every step of
// each year and every channel offer, no transfer held by a closed window can land between the planned close and
// the latest close that still leaves the close its margin before the link's 7-day expiry.
//
// The step between acceptance times is RECHARGED_CLOSE_PROPERTY_STEP (a duration): by default 5m (about 1 s), 15m in
// sanitizer builds (about 20 s under ASan at -O0); "1m" is the long mode, 5x the default's time.

#include "schedule/poll_policy.hpp"
#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>
#include <vector>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;

namespace {

const PollPolicyConfig k_cfg;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr Millis k_default_step = minutes{12}; // every year still covered, 120 instants a day
#else
constexpr Millis k_default_step = minutes{5};
#endif

Millis step_from_env() {
  const char* env = std::getenv("RECHARGED_CLOSE_PROPERTY_STEP");
  if (env == nullptr || *env == '\0') return k_default_step;
  const auto step = parse_duration(env);
  REQUIRE_MESSAGE(step.ok(), "RECHARGED_CLOSE_PROPERTY_STEP must be a duration such as 5m, not " << env);
  REQUIRE(*step >= seconds{1});
  return *step;
}

// Every instant in [from, to) at which the interbank system opens after being closed, found by scanning minute by
// minute (not through the policy's own next_reopening): every window edge is a whole minute, Shanghai time.
std::vector<TimePoint> scanned_reopenings(TimePoint from, TimePoint to) {
  const auto& cal = shipped_calendar();
  std::vector<TimePoint> out;
  bool was_open = cal.interbank_open(from - minutes{1});
  for (TimePoint t = from; t < to; t += minutes{1}) {
    const bool open = cal.interbank_open(t);
    if (open && !was_open) out.push_back(t);
    was_open = open;
  }
  return out;
}

// The offers of available_recharge_channels: each non-empty subset of the three channels, and all (empty).
const std::array<std::vector<std::string>, 8> k_offers{{
    {},
    {"BANK_TRANSFER"},
    {"QR_RECHARGE"},
    {"ONLINE_BANK"},
    {"BANK_TRANSFER", "QR_RECHARGE"},
    {"BANK_TRANSFER", "ONLINE_BANK"},
    {"QR_RECHARGE", "ONLINE_BANK"},
    {"BANK_TRANSFER", "QR_RECHARGE", "ONLINE_BANK"},
}};

std::string offer_text(const std::vector<std::string>& channels) {
  std::string s;
  for (const auto& c : channels) s += (s.empty() ? "" : "+") + c;
  return s.empty() ? "all" : s;
}

struct YearResult {
  std::size_t orders = 0;
  std::size_t waited = 0;  // bank-capable orders whose close moved past stale_close_age
  std::size_t clamped = 0; // ... to the latest close, a reopening being under way there
  std::size_t failures = 0;
};

// One order's close against the scanned reopenings; counts what it saw and reports the first few failures.
void check_order(const orders::Order& o, const std::vector<TimePoint>& reopenings, YearResult& r) {
  const TimePoint anchor = *o.applied_at;
  const TimePoint expiry = anchor + k_link_lifetime;
  const TimePoint bound = expiry - k_close_margin;
  const TimePoint close = stale_close_deadline(o, shipped_calendar(), k_cfg);
  const TimePoint nominal_min = anchor + k_cfg.stale_close_age - k_cfg.jitter_max;
  const TimePoint nominal_max = anchor + k_cfg.stale_close_age;
  const Millis settle = k_cfg.bank_settle_delay;
  ++r.orders;
  // The first reopening whose held transfers a close at `close` cannot have seen, and the one before it.
  const auto next = std::upper_bound(reopenings.begin(), reopenings.end(), close,
                                     [&](TimePoint c, TimePoint reopen) { return c < reopen + settle; });
  if (next == reopenings.begin() || next == reopenings.end()) {
    ++r.failures;
    FAIL_CHECK("the scanned reopenings do not surround the close " << format_rfc3339(close));
    return;
  }
  const TimePoint previous = *(next - 1);
  bool ok = close >= nominal_min && close + k_close_margin <= expiry;
  if (!channel_profile(o).bank) {
    ok = ok && close <= nominal_max; // QR and online banking only: the calendar does not matter
  } else {
    // No reopening + settlement fits between the close and the bound; and a reopening before the bound, whose
    // transfers may land before it, puts the close at the bound itself, which sees whatever landed by then.
    ok = ok && *next + settle > bound && (*next >= bound || close == bound);
    // And the close waits no longer than that needs: at its nominal age, or just after a reopening + settlement.
    if (close > nominal_max) {
      ++r.waited;
      const bool after_previous = close >= previous + settle && close <= previous + settle + k_cfg.bank_reopen_spread;
      const bool clamped = close == bound && *next < bound && *next + settle > bound;
      r.clamped += clamped ? 1 : 0;
      ok = ok && (after_previous || clamped);
    }
  }
  if (ok) return;
  if (++r.failures <= 5)
    FAIL_CHECK("accepted " << format_rfc3339(anchor) << " channels " << offer_text(o.channels) << ": close "
                           << format_rfc3339(close) << ", next reopening " << format_rfc3339(*next) << ", expiry "
                           << format_rfc3339(expiry));
}

// The close after a payment sent back at `returned`: never earlier than the order's own close, no earlier than
// close_return_wait after the return (unless that passes the bound, then at most the bound), never inside the
// margin, and (bank-capable) no reopening + settlement fits between it and the bound that a later close could see.
void check_after_return(const orders::Order& o, TimePoint returned, const std::vector<TimePoint>& reopenings,
                        YearResult& r) {
  const TimePoint expiry = *o.applied_at + k_link_lifetime;
  const TimePoint bound = *o.applied_at + k_cfg.close_latest_age;
  const TimePoint moved = close_deadline_after_return(o, returned, shipped_calendar(), k_cfg);
  const Millis settle = k_cfg.bank_settle_delay;
  bool ok = moved >= o.close_after && moved + k_close_margin <= expiry &&
            moved >= std::min(returned + k_cfg.close_return_wait, bound);
  if (ok && channel_profile(o).bank) {
    const auto next = std::upper_bound(reopenings.begin(), reopenings.end(), moved,
                                       [&](TimePoint c, TimePoint reopen) { return c < reopen + settle; });
    ok = next != reopenings.end() && *next + settle > bound && (*next >= bound || moved == bound);
  }
  if (ok) return;
  if (++r.failures <= 5)
    FAIL_CHECK("accepted " << format_rfc3339(*o.applied_at) << " channels " << offer_text(o.channels)
                           << ": returned " << format_rfc3339(returned) << ", close " << format_rfc3339(o.close_after)
                           << " moved to " << format_rfc3339(moved));
}

YearResult check_year(int year, Millis step) {
  const TimePoint from = sh(std::to_string(year) + "-01-01T00:00:00");
  const TimePoint to = sh(std::to_string(year + 1) + "-01-01T00:00:00");
  const auto reopenings = scanned_reopenings(from - days{2}, to + days{14});
  YearResult r;
  orders::Order o = accepted_order("", std::to_string(year) + "-01-01T00:00:00");
  std::uint64_t n = 0;
  for (TimePoint t = from; t < to; t += step) {
    o.created_at = t - seconds{1};
    o.applied_at = t;
    for (const auto& offer : k_offers) {
      o.out_recharge_no = "PROP" + std::to_string(n++); // its own jitter, like every real order
      o.channels = offer;
      check_order(o, reopenings, r);
      // A payment sent back somewhere in the last day before the close (a different instant for every order).
      o.close_after = stale_close_deadline(o, shipped_calendar(), k_cfg);
      check_after_return(o, o.close_after - minutes{(n * 37) % (24 * 60)}, reopenings, r);
      o.close_after = TimePoint{};
    }
  }
  return r;
}

} // namespace

TEST_CASE("for every acceptance time of 2024-2026 and every channel offer, no held transfer lands between the "
          "planned close and the latest close before the link's expiry") {
  const Millis step = step_from_env();
  for (const int year : {2024, 2025, 2026}) {
    CAPTURE(year);
    REQUIRE(shipped_calendar().covers(Date{std::chrono::year{year}, January, 1d}));
    const YearResult r = check_year(year, step);
    MESSAGE(year << ": " << r.orders << " orders every " << format_duration(step) << ", " << r.waited
                 << " closes waited for a reopening (" << r.clamped << " up to the latest close)");
    CHECK(r.failures == 0);
    const Millis length = days{365 + (year == 2024 ? 1 : 0)};
    CHECK(r.orders == static_cast<std::size_t>((length + step - Millis{1}) / step) * k_offers.size());
    CHECK(r.waited > r.orders / 4); // most bank-capable orders wait for an evening reopening
  }
}
