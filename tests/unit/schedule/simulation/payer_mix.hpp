#pragma once

// A deliberately simple, seeded payer model for tuning the polling policy in virtual time. It is test code,
// separate from the policy: the sandbox's own payer model is the benchmark's ground truth.

#include "core/time.hpp"
#include "schedule/settlement_calendar.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace recharged::test::polling {

enum class PayerKind { qr, online_bank, bank_transfer, never };
[[nodiscard]] const char* to_string(PayerKind k) noexcept;

// Shares are relative weights; payer kinds are renormalised over the channels each order allows. Delays
// from acceptance to payment are log-normal (median, sigma of ln) and clamped to [20 s, 7 d).
struct PayerMix {
  // available_recharge_channels offered by the merchant.
  double offer_all = 0.60;          // field omitted: all three channels
  double offer_bank_only = 0.15;    // BANK_TRANSFER
  double offer_qr_only = 0.15;      // QR_RECHARGE
  double offer_qr_online = 0.10;    // QR_RECHARGE + ONLINE_BANK
  // What the payer does.
  double qr = 0.45;
  double online_bank = 0.10;
  double bank_transfer = 0.25;
  double never = 0.20;
  Millis qr_median{std::chrono::minutes{2}};
  Millis online_median{std::chrono::minutes{4}};
  Millis bank_median{std::chrono::minutes{40}};
  double sigma = 0.8;
  // QR / online-bank payers who leave the page and pay later (30 min to 3 days, log-uniform).
  double instant_late_share = 0.05;
  // Bank payers who transfer at a random time 09:00-19:00 Shanghai on one of the next 5 days (weekends and
  // holidays included: those transfers are held until the interbank system reopens).
  double bank_later_share = 0.15;
};

// The reference mix (the product's stated payer shape): QR payers who mostly pay within minutes, same-session bank transfers plus some at random
// business-hour times over the next days (inside closed windows and holidays too), online-bank payers, and
// never-paid orders; merchants restrict channels on 40% of orders.
[[nodiscard]] PayerMix brief_mix();
// A mix shaped like the sandbox's default payer model: all channels offered, never 15%, QR/bank/online
// 45/35/20 with log-normal delays of median 4 min / 3 h / 15 min and sigma 1, at any hour.
[[nodiscard]] PayerMix sandbox_like_mix();

// One payer's behaviour for one order.
struct Payer {
  PayerKind kind = PayerKind::never;
  std::vector<std::string> channels; // the order's available_recharge_channels (empty = all)
  std::optional<TimePoint> pays_at;  // when the payer pays (nullopt: never)
  std::optional<TimePoint> lands_at; // when the platform shows SUCCESS (after settlement / interbank hold)
};

// Random draws with a portable generator (mt19937_64 plus our own transforms: same numbers everywhere).
class Draw {
public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  double uniform();                       // [0, 1)
  double uniform(double lo, double hi);   // [lo, hi)
  double normal();                        // standard normal
  Millis uniform(Millis lo, Millis hi);
  Millis log_uniform(Millis lo, Millis hi);
  Millis log_normal(Millis median, double sigma, Millis lo, Millis hi);

private:
  std::mt19937_64 rng_;
};

// Draws the channels and the payer for an order accepted at `applied_at`. Settlement: QR and online bank land
// 5 s to 3 min after payment; a bank transfer lands 1 to 10 min after payment while the interbank system is
// open, and a transfer made (or landing) while it is closed lands 1 to 10 min after it reopens.
[[nodiscard]] Payer draw_payer(const PayerMix& mix, TimePoint applied_at, const schedule::SettlementCalendar& cal,
                               Draw& draw);

// When a payment made at `pays_at` by `kind` shows as SUCCESS on the platform.
[[nodiscard]] TimePoint landing_time(PayerKind kind, TimePoint pays_at, const schedule::SettlementCalendar& cal,
                                     Draw& draw);

} // namespace recharged::test::polling
