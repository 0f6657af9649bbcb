// The lifecycle table and the funds-safety gate of orders/lifecycle.cpp: which state moves are legal, and what a
// verified platform answer may do to our record. Every field the gate compares, mismatching on its own, must
// quarantine an open order as SUSPECT — even when the answer says SUCCESS — and only raise an alert on a final one.

#include "orders/lifecycle.hpp"

#include <doctest/doctest.h>

#include <array>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

using namespace recharged;
using orders::OrderState;
using orders::Verdict;

namespace {

constexpr std::array k_all{OrderState::new_order, OrderState::recharging, OrderState::closing, OrderState::success,
                           OrderState::closed,    OrderState::rejected,   OrderState::suspect};

orders::Order local(OrderState state) {
  orders::Order o;
  o.out_recharge_no = "RC20261123000001";
  o.sub_mchid = "1900000101";
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = 10'000;
  o.currency = "CNY";
  o.state = state;
  o.recharge_id = "1000000000202611230000000001";
  return o;
}

// The platform's view of `local(…)`, agreeing on every field the gate compares.
wxpay::MchDeposit answer(wxpay::RechargeState state) {
  wxpay::MchDeposit p;
  p.sp_mchid = "1900000001";
  p.sub_mchid = "1900000101";
  p.out_recharge_no = "RC20261123000001";
  p.recharge_id = "1000000000202611230000000001";
  p.account_type = wxpay::AccountType::deposit;
  p.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
  p.recharge_state = state;
  p.recharge_amount = wxpay::Amount{10'000, "CNY"};
  return p;
}

// One field of the answer changed, by the name the gate reports it under.
const std::map<std::string, std::function<void(wxpay::MchDeposit&)>>& tamperings() {
  static const std::map<std::string, std::function<void(wxpay::MchDeposit&)>> k{
      {"sub_mchid", [](wxpay::MchDeposit& p) { p.sub_mchid = "1900000102"; }},
      {"out_recharge_no", [](wxpay::MchDeposit& p) { p.out_recharge_no = "RC20261123000002"; }},
      {"recharge_id", [](wxpay::MchDeposit& p) { p.recharge_id = "1000000000202611230000000002"; }},
      {"amount", [](wxpay::MchDeposit& p) { p.recharge_amount.amount = 10'001; }},
      {"currency", [](wxpay::MchDeposit& p) { p.recharge_amount.currency = "USD"; }},
      {"account_type", [](wxpay::MchDeposit& p) { p.account_type = wxpay::AccountType::operation; }},
  };
  return k;
}

} // namespace

TEST_CASE("the lifecycle table allows exactly the documented moves") {
  using S = OrderState;
  const std::set<std::pair<S, S>> allowed{
      {S::new_order, S::recharging}, {S::new_order, S::rejected},  {S::new_order, S::suspect},
      {S::recharging, S::success},   {S::recharging, S::closed},   {S::recharging, S::closing},
      {S::recharging, S::suspect},   {S::closing, S::success},     {S::closing, S::closed},
      {S::closing, S::suspect},
  };
  for (const auto from : k_all) {
    for (const auto to : k_all) {
      CAPTURE(orders::to_string(from));
      CAPTURE(orders::to_string(to));
      CHECK(orders::transition_allowed(from, to) == allowed.contains({from, to}));
    }
  }
}

TEST_CASE("final and SUSPECT orders never move; open ones are exactly NEW, RECHARGING and CLOSING") {
  for (const auto s : k_all) {
    CAPTURE(orders::to_string(s));
    const bool final_state = s == OrderState::success || s == OrderState::closed || s == OrderState::rejected;
    CHECK(orders::is_terminal(s) == final_state);
    CHECK(orders::is_open(s) == (!final_state && s != OrderState::suspect));
    CHECK(orders::parse_order_state(orders::to_string(s)) == s);
  }
  CHECK_FALSE(orders::parse_order_state("success").has_value()); // the stored text is upper case, exactly
}

TEST_CASE("an answer that agrees on every field passes the gate") {
  const auto d = orders::reconcile(local(OrderState::recharging), answer(wxpay::RechargeState::success));
  CHECK(d.verdict == Verdict::move);
  CHECK(d.path == std::vector{OrderState::success});
}

TEST_CASE("each gate field mismatching on its own quarantines an open order as SUSPECT, whatever the answer says") {
  for (const auto& [field, tamper] : tamperings()) {
    for (const auto here : {OrderState::new_order, OrderState::recharging, OrderState::closing}) {
      for (const auto theirs : {wxpay::RechargeState::success, wxpay::RechargeState::closed,
                                wxpay::RechargeState::recharging}) {
        auto order = local(here);
        if (here == OrderState::new_order && field != "recharge_id") order.recharge_id.clear(); // as after a crash
        auto p = answer(theirs);
        tamper(p);
        const auto d = orders::reconcile(order, p);
        CAPTURE(field);
        CAPTURE(orders::to_string(here));
        CAPTURE(p.recharge_state.text);
        CHECK(d.verdict == Verdict::move);
        CHECK(d.path == std::vector{OrderState::suspect});
        CHECK(d.reason.find(field + " is '") != std::string::npos); // names the field, theirs and ours
        CHECK(d.reason.find("quarantined") != std::string::npos);
      }
    }
  }
}

TEST_CASE("a mismatch on a final or SUSPECT order raises an alert and moves nothing") {
  for (const auto& [field, tamper] : tamperings()) {
    for (const auto here : {OrderState::success, OrderState::closed, OrderState::rejected, OrderState::suspect}) {
      auto p = answer(wxpay::RechargeState::success);
      tamper(p);
      const auto d = orders::reconcile(local(here), p);
      CAPTURE(field);
      CAPTURE(orders::to_string(here));
      CHECK(d.verdict == Verdict::alert);
      CHECK(d.path.empty());
      CHECK(d.reason.find(field) != std::string::npos);
    }
  }
}

TEST_CASE("an order recorded before its apply answer (no recharge_id yet) accepts the platform's recharge_id") {
  auto order = local(OrderState::new_order);
  order.recharge_id.clear();
  const auto d = orders::reconcile(order, answer(wxpay::RechargeState::success));
  CHECK(d.verdict == Verdict::move);
  CHECK(d.path == std::vector{OrderState::recharging, OrderState::success}); // the walk goes through RECHARGING
}

TEST_CASE("agreeing answers follow the lifecycle: confirmations, contradictions and unknown states") {
  struct Row {
    OrderState here;
    wxpay::RechargeState theirs;
    Verdict verdict;
    std::vector<OrderState> path;
  };
  using S = OrderState;
  using P = wxpay::RechargeState;
  const std::vector<Row> table{
      {S::new_order, P::recharging, Verdict::move, {S::recharging}},
      {S::new_order, P::closed, Verdict::move, {S::recharging, S::closed}},
      {S::recharging, P::recharging, Verdict::none, {}},
      {S::recharging, P::closed, Verdict::move, {S::closed}},
      {S::closing, P::success, Verdict::move, {S::success}},
      {S::closing, P::closed, Verdict::move, {S::closed}},
      {S::closing, P::recharging, Verdict::none, {}},
      {S::success, P::success, Verdict::none, {}},
      {S::success, P::closed, Verdict::alert, {}},
      {S::success, P::recharging, Verdict::alert, {}},
      {S::closed, P::closed, Verdict::none, {}},
      {S::closed, P::success, Verdict::alert, {}},
      {S::rejected, P::success, Verdict::alert, {}},
      {S::suspect, P::success, Verdict::none, {}}, // held for a human: automation never moves it
      {S::suspect, P::closed, Verdict::none, {}},
  };
  for (const auto& row : table) {
    const auto d = orders::reconcile(local(row.here), answer(row.theirs));
    CAPTURE(orders::to_string(row.here));
    CAPTURE(wxpay::to_string(row.theirs));
    CHECK(d.verdict == row.verdict);
    CHECK(d.path == row.path);
    CHECK_FALSE(d.reason.empty());
  }
  for (const auto here : {S::new_order, S::recharging, S::success}) {
    auto p = answer(P::success);
    p.recharge_state = wxpay::Known<P>::from_text("REFUNDED_SOMEHOW");
    const auto d = orders::reconcile(local(here), p);
    CHECK(d.verdict == Verdict::alert);
    CHECK(d.path.empty());
    CHECK(d.reason.find("REFUNDED_SOMEHOW") != std::string::npos);
  }
}
