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

// Every field of the answer that contradicts our record. Optional members that are absent contradict
// nothing: an absent currency is the documented default CNY, an absent amount is judged in reconcile().
std::string mismatches(const Order& o, const wxpay::MchDeposit& p) {
  std::string out;
  auto check = [&](bool same, std::string_view field, const std::string& ours, const std::string& theirs) {
    if (same) return;
    if (!out.empty()) out += ", ";
    out += std::string(field) + " is '" + theirs.substr(0, 64) + "', ours '" + ours.substr(0, 64) + "'";
  };
  const auto& amount = p.recharge_amount.amount;
  check(p.sub_mchid == o.sub_mchid, "sub_mchid", o.sub_mchid, p.sub_mchid);
  check(p.out_recharge_no == o.out_recharge_no, "out_recharge_no", o.out_recharge_no, p.out_recharge_no);
  check(o.recharge_id.empty() || p.recharge_id == o.recharge_id, "recharge_id", o.recharge_id, p.recharge_id);
  check(!amount || *amount == o.amount, "amount", std::to_string(o.amount) + " fen",
        std::to_string(amount.value_or(0)) + " fen");
  const std::string currency = p.recharge_amount.currency_or_default();
  check(currency == o.currency, "currency", o.currency, currency);
  check(p.account_type.text == o.account_type, "account_type", o.account_type, p.account_type.text);
  return out;
}

// What the event should say about the answer beyond its verdict: a missing amount, and optional fields kept
// as text because they could not be read.
std::string remarks(const wxpay::MchDeposit& p) {
  std::string out;
  if (!p.recharge_amount.amount) out += "; the answer carries no recharge_amount.amount";
  if (!p.unread.empty()) {
    out += "; unreadable optional fields kept as text:";
    for (const auto& u : p.unread) out += " " + u.field + "=" + u.text;
  }
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

Decision judge(const Order& local, const wxpay::MchDeposit& platform) {
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
    // Without an amount, SUCCESS rests on the identifiers alone, and the recharge_id must be the one our apply
    // was answered with: a recovered order whose apply answer we never saw cannot be tied to our request.
    if (!platform.recharge_amount.amount && local.recharge_id.empty())
      return move({OrderState::suspect}, "the platform reports SUCCESS without recharge_amount.amount, and we hold no "
                                         "recharge_id to tie the answer to our apply; quarantined for a human");
    return advance(here, OrderState::success,
                   platform.recharge_amount.amount
                       ? "the platform reports SUCCESS"
                       : "the platform reports SUCCESS; sub_mchid, out_recharge_no, recharge_id and account_type match");
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

} // namespace

Decision reconcile(const Order& local, const wxpay::MchDeposit& platform) {
  Decision d = judge(local, platform);
  d.reason += remarks(platform);
  return d;
}

} // namespace recharged::orders
