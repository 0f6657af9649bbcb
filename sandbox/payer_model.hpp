#pragma once

#include "core/money.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "schedule/settlement_calendar.hpp"
#include "sandbox/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::sandbox {

// How the simulated payers behave. Channel weights are renormalised over the channels an order allows (and
// QR is left out above its 5万元 limit). Delays are log-normal around their median, spread by `delay_spread`.
struct PayerMix {
  double never = 0.15;          // share of orders nobody ever pays (they expire after the link TTL)
  double qr = 0.45;             // weight of QR recharge (扫码充值)
  double bank_transfer = 0.35;  // weight of bank transfer (银行转账)
  double online_bank = 0.20;    // weight of online banking (网银)
  Millis qr_delay = std::chrono::minutes{4};       // median time from apply to payment, per channel
  Millis online_bank_delay = std::chrono::minutes{15};
  Millis bank_transfer_delay = std::chrono::hours{3};
  double delay_spread = 1.0;    // sigma of ln(delay); 0 = always the median
  double returned = 0.05;       // share of bank/online payments sent back (wrong amount or payer name)
  double repay_after_return = 0.5; // share of those payers who then pay again, correctly
  Millis qr_settle_max = std::chrono::minutes{3}; // QR and online banking land within this after payment (≤ 3 min, seed 001)
  Millis bank_settle_max = std::chrono::minutes{10}; // bank transfers need up to this much open interbank time (~≤ 10 min)
  // Share of bank-transfer payers who send the transfer later, at a random office-hour time (09:00–18:00
  // Shanghai) on one of the first `bank_later_days` days from the apply day instead of after bank_transfer_delay;
  // weekends and holidays count too, so some of these transfers wait for the interbank system to reopen.
  double bank_later = 0.0;
  int bank_later_days = 5;
};

// Parses "never=0.1,qr=0.5,bank=0.3,online=0.1,returned=0.05,repay=0.5,qr_delay=4m,bank_delay=3h,
// online_delay=15m,spread=1.0,bank_later=0.3,bank_later_days=5" (any subset, any order) on top of the defaults;
// errors name the key.
[[nodiscard]] Result<PayerMix> parse_payer_mix(std::string_view text);
// The same spelling, every key, for logs and the control endpoint.
[[nodiscard]] std::string format_payer_mix(const PayerMix& mix);

// Who paid and from where: the fields the platform reports in bank_transfer_info, qr_recharge_info or
// online_bank_recharge_info, and in RECHARGE.FUND_RETURNED.
struct PayerDetails {
  std::string bill_no;
  std::string memo;               // bank transfer only
  std::string bank_name;
  std::string bank_card_tail;     // 4 digits
  std::string bank_account_name;
  std::string online_bank_type;   // ONLINE_BANK_TYPE_CORPORATE | ONLINE_BANK_TYPE_PERSONAL
  std::string openid;             // QR only
  std::string employee_type;      // QR only: ADMIN | STAFF | LEGAL_PERSON
};

// One payment attempt by the payer.
struct Payment {
  RechargeChannel channel = RechargeChannel::qr_recharge;
  TimePoint paid_at;   // the payer scans or sends the transfer
  TimePoint lands_at;  // the money reaches the platform (settlement rules applied)
  Fen amount = 0;      // what was actually paid (differs from the order when returned for a wrong amount)
  std::optional<std::string> return_reason; // set: the money is sent back instead of crediting the order
  PayerDetails payer;
};

// What the payer of one order will do: nothing (empty), or payments in time order; at most the last one
// credits the order.
struct PayerPlan {
  std::vector<Payment> payments;
};

// The facts about an order a payer reacts to.
struct OrderFacts {
  std::string out_recharge_no;
  std::string sub_mchid;
  std::string recharge_id;
  Fen amount = 0;
  std::vector<RechargeChannel> channels; // empty = all three
  TimePoint applied_at;
  TimePoint expires_at; // nobody pays after the link expired
};

// Return reasons as the platform words them (seed 000 examples, and the FUND_RETURNED causes).
inline constexpr std::string_view k_return_wrong_amount = "银行转账充值金额与申请充值金额不一致";
inline constexpr std::string_view k_return_wrong_name = "实际付款户名与充值单要求的付款户名不一致";
inline constexpr std::string_view k_return_order_closed = "充值单已关闭,超时充值资金退回";
inline constexpr std::string_view k_return_duplicate = "充值单已充值成功,重复充值资金退回";

// Seeded, reproducible payer decisions. plan() depends only on (mix, seed, calendar, facts): the same order
// gets the same payer whatever else happens. Immutable; thread-safe.
class PayerModel {
public:
  PayerModel(PayerMix mix, std::uint64_t seed, const schedule::SettlementCalendar& calendar);

  [[nodiscard]] PayerPlan plan(const OrderFacts& order) const;
  // A payment made at `paid_at` through `channel` that lands by the settlement rules (for "pay now").
  [[nodiscard]] Payment payment(const OrderFacts& order, RechargeChannel channel, TimePoint paid_at) const;
  // When money sent at `paid_at` lands: QR/online banking after `need`; a bank transfer after `need` of
  // open interbank time, so a transfer sent while the system is closed waits for it to reopen.
  [[nodiscard]] TimePoint lands_at(RechargeChannel channel, TimePoint paid_at, Millis need) const;
  [[nodiscard]] const PayerMix& mix() const noexcept { return mix_; }

private:
  [[nodiscard]] PayerDetails details(const OrderFacts& order, RechargeChannel channel, std::string_view salt) const;

  PayerMix mix_;
  std::uint64_t seed_;
  const schedule::SettlementCalendar& calendar_;
};

} // namespace recharged::sandbox
