#pragma once

// What every libFuzzer target shares: keys generated once per process (small RSA keys, so signing a fuzzed
// body costs microseconds, not milliseconds), a fixed "now", the canonical order the seed corpora describe,
// and a planner over the shipped holiday calendar.

#include "core/clock.hpp"
#include "crypto/rsa_key.hpp"
#include "engine/order_recorder.hpp"
#include "engine/planner.hpp"
#include "http/message.hpp"
#include "orders/order.hpp"
#include "schedule/settlement_calendar.hpp"
#include "wxpay/signing.hpp"
#include "wxpay/models.hpp"
#include "wxpay/verifier.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace recharged::fuzz {

// The identifiers the seed corpora use, so seeds reach the code behind the funds-safety gate.
inline constexpr std::string_view k_sp_mchid = "1900000001";
inline constexpr std::string_view k_sub_mchid = "1900000101";
inline constexpr std::string_view k_out_recharge_no = "RC20261123100000aZ3k9QpL";
inline constexpr std::string_view k_recharge_id = "1217752501201407033233368018";
inline constexpr std::string_view k_public_key_id = "PUB_KEY_ID_0114232701222025112300000000000001";
inline constexpr std::string_view k_merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
inline constexpr std::string_view k_apiv3_key = "fuzzApiV3KeyOf32CharactersExact1"; // not a real key
inline constexpr Fen k_amount = 10'000;

// Process-wide fixtures, built on first use (single-threaded: libFuzzer calls targets from one thread).
struct Fixture {
  crypto::PrivateKey platform_key;     // signs answers and notifications (RSA-512: fast, fuzz only)
  crypto::PrivateKey merchant_key;     // signs requests (RSA-512: fast, fuzz only)
  wxpay::PlatformKeys platform_keys;   // the client's trust: k_public_key_id → platform_key
  schedule::SettlementCalendar calendar;
  std::unique_ptr<engine::Planner> planner;
  TimePoint now;                       // Monday 2026-11-23 10:00 Shanghai

  [[nodiscard]] wxpay::RequestSigner signer() const;
};
[[nodiscard]] const Fixture& fixture();

// The four Wechatpay-* headers signing `body` with the platform key at `timestamp`.
[[nodiscard]] http::Headers signed_headers(std::string_view body, std::int64_t timestamp);

// The local order the corpora's answers talk about, in `state`.
[[nodiscard]] orders::Order canonical_order(orders::OrderState state);

// The funds-safety invariants of one verified platform view of `local`, checked the way an auditor would:
// reconcile() only walks allowed transitions, never moves a terminal or SUSPECT order, and moves an order to
// SUCCESS only when sub-merchant, order number, recharge id, amount, currency and account type all match.
// Then builds the storage updates record_view() would commit. Aborts (a fuzzer finding) on a violation.
void check_view(const orders::Order& local, const wxpay::MchDeposit& view, const engine::CallMeta& meta);

// One of the seven local states, chosen by a byte.
[[nodiscard]] orders::OrderState state_from_byte(std::uint8_t b);

} // namespace recharged::fuzz
