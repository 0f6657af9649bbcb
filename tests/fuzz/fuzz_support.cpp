#include "tests/fuzz/fuzz_support.hpp"

#include "engine/policy_planner.hpp"
#include "orders/lifecycle.hpp"

#include <cstdlib>
#include <iostream>

namespace recharged::fuzz {
namespace {

constexpr int k_fuzz_key_bits = 512; // far below WeChat Pay's 2048 on purpose: only the fuzzer's speed changes

[[noreturn]] void die(const std::string& what) {
  std::cerr << "fuzz fixture: " << what << "\n";
  std::abort();
}

Fixture build() {
  auto calendar = schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
  if (!calendar) die(calendar.error().message);
  Fixture f{crypto::PrivateKey::generate(k_fuzz_key_bits), crypto::PrivateKey::generate(k_fuzz_key_bits), {},
            std::move(*calendar), nullptr, parse_rfc3339("2026-11-23T10:00:00+08:00").value()};
  f.platform_keys.add_public_key(std::string(k_public_key_id), f.platform_key.public_key());
  f.planner = engine::make_policy_planner({}, f.calendar);
  return f;
}

} // namespace

wxpay::RequestSigner Fixture::signer() const {
  return wxpay::RequestSigner(std::string(k_sp_mchid), std::string(k_merchant_serial), merchant_key);
}

const Fixture& fixture() {
  static const Fixture f = build();
  return f;
}

http::Headers signed_headers(std::string_view body, std::int64_t timestamp) {
  http::Headers h;
  wxpay::sign_response(fixture().platform_key, k_public_key_id, body, timestamp, "fuzznonce0123456789", h);
  return h;
}

orders::Order canonical_order(orders::OrderState state) {
  const Fixture& f = fixture();
  orders::Order o;
  o.id = 1;
  o.out_recharge_no = std::string(k_out_recharge_no);
  o.sub_mchid = std::string(k_sub_mchid);
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = k_amount;
  o.notify_url = "https://pay.example.com/wxpay/recharge-notify";
  o.state = state;
  o.created_at = f.now - std::chrono::minutes{30};
  o.updated_at = o.created_at;
  if (state != orders::OrderState::new_order) {
    o.recharge_id = std::string(k_recharge_id);
    o.applied_at = o.created_at;
    o.accept_time = o.created_at;
  }
  o.close_after = o.created_at + std::chrono::hours{24 * 6};
  return o;
}

void check_view(const orders::Order& local, const wxpay::MchDeposit& view, const engine::CallMeta& meta) {
  const orders::Decision d = orders::reconcile(local, view);
  if (d.verdict == orders::Verdict::move) {
    if (d.path.empty()) die("reconcile: a move without a path");
    orders::OrderState from = local.state;
    for (const auto to : d.path) {
      if (!orders::transition_allowed(from, to)) die("reconcile: a forbidden transition");
      from = to;
    }
    // recharge_amount's members are optional: an absent one contradicts nothing (currency defaults to CNY).
    const auto& amount = view.recharge_amount.amount;
    const bool matches = view.sub_mchid == local.sub_mchid && view.out_recharge_no == local.out_recharge_no &&
                         (local.recharge_id.empty() || view.recharge_id == local.recharge_id) &&
                         (!amount || *amount == local.amount) &&
                         view.recharge_amount.currency_or_default() == local.currency &&
                         view.account_type.text == local.account_type;
    if (from == orders::OrderState::success && !matches) die("reconcile: SUCCESS from a view that does not match");
    if (from == orders::OrderState::success && !amount && local.recharge_id.empty())
      die("reconcile: SUCCESS without an amount for an order whose recharge_id we never recorded");
    if (!matches && from != orders::OrderState::suspect) die("reconcile: a mismatching view moved the order");
  }
  const Fixture& f = fixture();
  for (const auto& u : engine::record_view(local, view, meta, *f.planner, f.now)) {
    if (u.new_state && u.expect_state && !orders::transition_allowed(*u.expect_state, *u.new_state))
      die("record_view: an update with a forbidden transition");
    (void)storage::after_update(local, u);
  }
}

orders::OrderState state_from_byte(std::uint8_t b) {
  static constexpr orders::OrderState k_states[] = {
      orders::OrderState::new_order, orders::OrderState::recharging, orders::OrderState::closing,
      orders::OrderState::success,   orders::OrderState::closed,     orders::OrderState::rejected,
      orders::OrderState::suspect};
  return k_states[b % std::size(k_states)];
}

} // namespace recharged::fuzz
