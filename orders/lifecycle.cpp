#include "orders/lifecycle.hpp"

namespace recharged::orders {

bool transition_allowed(OrderState from, OrderState to) noexcept {
  using S = OrderState;
  switch (from) {
  case S::new_order: return to == S::recharging || to == S::rejected || to == S::suspect;
  case S::recharging: return to == S::success || to == S::closed || to == S::closing || to == S::suspect;
  case S::closing: return to == S::success || to == S::closed || to == S::suspect;
  case S::success:
  case S::closed:
  case S::rejected:
  case S::suspect: return false;
  }
  return false;
}

namespace {

std::string mismatches(const Order& o, const wxpay::MchDeposit& p) {
  std::string out;
  auto check = [&](bool same, std::string_view field, const std::string& ours, const std::string& theirs) {
    if (same) return;
    if (!out.empty()) out += ", ";
    out += std::string(field) + " is '" + theirs.substr(0, 64) + "', ours '" + ours.substr(0, 64) + "'";
  };
  check(p.sub_mchid == o.sub_mchid, "sub_mchid", o.sub_mchid, p.sub_mchid);
  check(p.out_recharge_no == o.out_recharge_no, "out_recharge_no", o.out_recharge_no, p.out_recharge_no);
  check(o.recharge_id.empty() || p.recharge_id == o.recharge_id, "recharge_id", o.recharge_id, p.recharge_id);
  check(p.recharge_amount.amount == o.amount, "amount", std::to_string(o.amount) + " fen",
        std::to_string(p.recharge_amount.amount) + " fen");
  check(p.recharge_amount.currency == o.currency, "currency", o.currency, p.recharge_amount.currency);
  check(p.account_type.text == o.account_type, "account_type", o.account_type, p.account_type.text);
  return out;
}

Decision move(std::vector<OrderState> path, std::string reason) {
  return Decision{Verdict::move, std::move(path), std::move(reason)};
}
Decision alert(std::string reason) { return Decision{Verdict::alert, {}, std::move(reason)}; }
Decision none(std::string reason) { return Decision{Verdict::none, {}, std::move(reason)}; }

// Path from an open local state to the platform's state, through RECHARGING for a recovered NEW order.
Decision advance(OrderState from, OrderState to, std::string reason) {
  if (from == OrderState::new_order && to != OrderState::recharging)
    return move({OrderState::recharging, to}, std::move(reason));
  return move({to}, std::move(reason));
}

} // namespace

Decision reconcile(const Order& local, const wxpay::MchDeposit& platform) {
  using wxpay::RechargeState;
  const OrderState here = local.state;
  const std::string theirs = platform.recharge_state.text.substr(0, 64);

  if (const auto diff = mismatches(local, platform); !diff.empty()) {
    const std::string why = "the platform's answer does not match our order: " + diff;
    if (is_terminal(here) || here == OrderState::suspect) return alert(why);
    return move({OrderState::suspect}, why + "; quarantined for a human");
  }
  if (here == OrderState::suspect) return none("the order is SUSPECT and held for a human; platform says " + theirs);

  switch (platform.recharge_state.value) {
  case RechargeState::success:
    if (here == OrderState::success) return none("platform confirms SUCCESS");
    if (is_terminal(here)) return alert("the platform reports SUCCESS for an order we recorded " + std::string(to_string(here)));
    return advance(here, OrderState::success, "the platform reports SUCCESS");
  case RechargeState::closed:
    if (here == OrderState::closed) return none("platform confirms CLOSED");
    if (is_terminal(here)) return alert("the platform reports CLOSED for an order we recorded " + std::string(to_string(here)));
    return advance(here, OrderState::closed, "the platform reports CLOSED");
  case RechargeState::recharging:
    if (here == OrderState::new_order) return move({OrderState::recharging}, "the platform has the order (RECHARGING)");
    if (is_terminal(here))
      return alert("the platform reports RECHARGING for an order we recorded " + std::string(to_string(here)));
    return none("still RECHARGING");
  case RechargeState::unknown: break;
  }
  return alert("the platform reports an unknown recharge_state '" + theirs + "'; kept as text, nothing moved");
}

} // namespace recharged::orders
