// The funds-safety gate reading platform answers as leniently as the reference pages allow: recharge_amount's
// members and every time are optional (选填), unknown fields and nulls are ignored — while every real
// mismatch still quarantines the order. Each answer below is one the platform could send.

#include "orders/lifecycle.hpp"
#include "wxpay/codec.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::orders;

namespace {

constexpr std::string_view k_recharge_id = "100202611230000000001";

Order local(OrderState state, bool with_recharge_id = true) {
  Order o;
  o.id = 1;
  o.out_recharge_no = "RC20261123A1";
  o.sub_mchid = "1900000101";
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = 10'000;
  o.currency = "CNY";
  o.state = state;
  if (with_recharge_id) o.recharge_id = std::string(k_recharge_id);
  return o;
}

// An answer for the order above; `amount` is the recharge_amount object's JSON, `extra` more fields.
std::string answer(std::string_view state, std::string_view amount, std::string_view extra = "") {
  return std::string(R"({"sp_mchid":"1900000001","sub_mchid":"1900000101","recharge_id":")") + std::string(k_recharge_id) +
         R"(","out_recharge_no":"RC20261123A1","account_type":"DEPOSIT","recharge_state":")" + std::string(state) +
         R"(","recharge_scene":"ECOMMERCE_DEPOSIT","recharge_amount":)" + std::string(amount) + std::string(extra) + "}";
}

Decision judge(const Order& o, const std::string& body) {
  auto view = wxpay::decode_mch_deposit(body);
  REQUIRE_MESSAGE(view.ok(), view.error().message);
  return reconcile(o, *view);
}

bool moves_to(const Decision& d, OrderState s) { return d.verdict == Verdict::move && !d.path.empty() && d.path.back() == s; }

} // namespace

TEST_CASE("a SUCCESS answer without currency is CNY, the documented default, and recorded SUCCESS") {
  for (const std::string amount : {R"({"amount":10000})", R"({"amount":10000,"currency":null})"}) {
    CAPTURE(amount);
    const Decision d = judge(local(OrderState::recharging), answer("SUCCESS", amount));
    CHECK(moves_to(d, OrderState::success));
    CHECK(d.path.size() == 1);
  }
}

TEST_CASE("a SUCCESS answer without an amount is recorded SUCCESS on matching identifiers, and says so") {
  for (const std::string amount : {R"({})", R"({"currency":"CNY"})", R"({"amount":null,"currency":"CNY"})"}) {
    CAPTURE(amount);
    for (const auto state : {OrderState::recharging, OrderState::closing}) {
      const Decision d = judge(local(state), answer("SUCCESS", amount));
      CHECK(moves_to(d, OrderState::success));
      CHECK(d.reason.find("carries no recharge_amount.amount") != std::string::npos);
      CHECK(d.reason.find("recharge_id") != std::string::npos);
    }
  }
}

TEST_CASE("a SUCCESS without an amount for an order whose apply answer we never saw is quarantined") {
  // A NEW order recovered by query: no recharge_id of ours to tie the answer to the apply we made.
  const Decision d = judge(local(OrderState::new_order, false), answer("SUCCESS", "{}"));
  CHECK(moves_to(d, OrderState::suspect));
  CHECK(d.reason.find("no recharge_id") != std::string::npos);
  // With the amount present the same answer is the usual recovery to SUCCESS.
  const Decision with_amount = judge(local(OrderState::new_order, false), answer("SUCCESS", R"({"amount":10000})"));
  CHECK(moves_to(with_amount, OrderState::success));
  CHECK(with_amount.path.size() == 2);
}

TEST_CASE("an amount or currency that is present and differs still quarantines the order") {
  for (const std::string amount : {R"({"amount":10001})", R"({"amount":10001,"currency":"CNY"})",
                                   R"({"amount":10000,"currency":"USD"})", R"({"currency":"HKD"})", R"({"amount":0})"}) {
    CAPTURE(amount);
    const Decision d = judge(local(OrderState::recharging), answer("SUCCESS", amount));
    CHECK(moves_to(d, OrderState::suspect));
    CHECK(d.reason.find("does not match") != std::string::npos);
  }
  // On a final order the same contradiction raises an alert and moves nothing.
  const Decision final_order = judge(local(OrderState::success), answer("SUCCESS", R"({"amount":1})"));
  CHECK(final_order.verdict == Verdict::alert);
}

TEST_CASE("without an amount every identifier must still match") {
  struct Case {
    const char* name;
    std::string body;
  };
  const std::string base = answer("SUCCESS", "{}");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string b = base;
    b.replace(b.find(from), from.size(), to);
    return b;
  };
  const Case cases[] = {
      {"sub_mchid", with(R"("sub_mchid":"1900000101")", R"("sub_mchid":"1900000102")")},
      {"out_recharge_no", with(R"("out_recharge_no":"RC20261123A1")", R"("out_recharge_no":"RC20261123A2")")},
      {"recharge_id", with(std::string(k_recharge_id), "100202611230000000002")},
      {"account_type", with(R"("account_type":"DEPOSIT")", R"("account_type":"OPERATION")")},
      {"account_type (older spelling)", with(R"("account_type":"DEPOSIT")", R"("account_type":"BASIC")")},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const Decision d = judge(local(OrderState::recharging), c.body);
    CHECK(moves_to(d, OrderState::suspect));
  }
}

TEST_CASE("an optional time that does not parse keeps its text in the reason and the rest is recorded") {
  const Decision d = judge(local(OrderState::recharging),
                           answer("SUCCESS", R"({"amount":10000,"currency":"CNY"})",
                                  R"(,"success_time":"2026-11-23 17:30:00","accept_time":"2026-11-23T17:00:00+08:00")"));
  CHECK(moves_to(d, OrderState::success));
  CHECK(d.reason.find(R"(success_time="2026-11-23 17:30:00")") != std::string::npos);
  const Decision closed = judge(local(OrderState::closing), answer("CLOSED", R"({"amount":10000})", R"(,"close_time":17)"));
  CHECK(moves_to(closed, OrderState::closed));
  CHECK(closed.reason.find("close_time=17") != std::string::npos);
}

TEST_CASE("unknown fields, nulls, close_time on SUCCESS and the older scene spelling change nothing") {
  const Decision d = judge(
      local(OrderState::recharging),
      answer("SUCCESS", R"({"amount":10000,"currency":"CNY","payer_total":10000})",
             R"(,"close_time":"2026-11-23T17:31:00+08:00","recharge_channel":null,"bank_transfer_info":null,)"
             R"("promotion":{"x":[null]},"recharge_scene":"ECOMMERCE_BANK_TRANSFER","recharge_state_desc":null)"));
  CHECK(moves_to(d, OrderState::success));
  CHECK(d.reason == "the platform reports SUCCESS");
}

TEST_CASE("RECHARGING and CLOSED answers without an amount move as usual, noting the absence") {
  const Decision recovered = judge(local(OrderState::new_order, false), answer("RECHARGING", "{}"));
  CHECK(moves_to(recovered, OrderState::recharging));
  CHECK(recovered.reason.find("no recharge_amount.amount") != std::string::npos);
  const Decision still = judge(local(OrderState::recharging), answer("RECHARGING", "{}"));
  CHECK(still.verdict == Verdict::none);
  const Decision closed = judge(local(OrderState::closing), answer("CLOSED", R"({"currency":"CNY"})"));
  CHECK(moves_to(closed, OrderState::closed));
}
