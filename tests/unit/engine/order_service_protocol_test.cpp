// The order engine against a sandbox that answers the way the reference pages allow the platform to answer
// and recharged rarely sees: optional fields missing, times it cannot parse, unknown fields and nulls, the
// older enum spellings, and a close answered 200 with a paid order.

#include "engine/order_service.hpp"
#include "tests/unit/engine/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace std::chrono;
using orders::EventKind;
using orders::OrderState;
using test::EngineFixture;

namespace {

// A pointer into a temporary list would dangle, so only named lists are accepted.
const orders::OrderEvent* transition(std::vector<orders::OrderEvent>&& events, OrderState from, OrderState to) = delete;
const orders::OrderEvent* transition(const std::vector<orders::OrderEvent>& events, OrderState from, OrderState to) {
  for (const auto& e : events)
    if (e.kind == EventKind::state_changed && e.old_state == from && e.new_state == to) return &e;
  return nullptr;
}

void answer_shapes(EngineFixture& f, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig faults;
  for (const auto& [key, value] : settings) REQUIRE(sandbox::set_fault(faults, key, value).ok());
  f.sandbox.sandbox().faults().set_config(faults);
}

// Applies `no`, has a QR payer pay at once, and lets the money land.
void paid(EngineFixture& f, const std::string& no) {
  REQUIRE(f.service->apply(f.sandbox.apply_request(no)).ok());
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(f.sandbox.platform().pay_now(no, pay).ok());
  f.advance(seconds{1});
}

// The sandbox's transport, except that just before a close is sent the payer pays and the money lands: the
// race the close procedure exists for, at its tightest (after the final query, before the close call).
class PaysBeforeClose final : public http::Transport {
public:
  PaysBeforeClose(EngineFixture& f) : f_(f), inner_(f.sandbox.curl_options(), f.clock) {}

  Result<http::Response> send(const http::Request& request) override {
    if (request.target.find("/close?") != std::string::npos) {
      sandbox::PayRequest pay;
      pay.channel = sandbox::RechargeChannel::bank_transfer;
      pay.settlement = sandbox::Settlement::immediate;
      const auto start = request.target.find("out-recharge-no/") + 16;
      const std::string no = request.target.substr(start, request.target.find('/', start) - start);
      REQUIRE(f_.sandbox.platform().pay_now(no, pay).ok());
    }
    return inner_.send(request);
  }

private:
  EngineFixture& f_;
  http::CurlTransport inner_;
};

} // namespace

TEST_CASE("a SUCCESS answer without recharge_amount's amount and currency is recorded SUCCESS, the absence noted") {
  EngineFixture f;
  paid(f, "RCP1001");
  answer_shapes(f, {{"omit_fields", "recharge_amount.amount,recharge_amount.currency"}});
  auto order = f.service->sync("RCP1001", orders::EventSource::operator_action);
  REQUIRE_MESSAGE(order.ok(), order.error().message);
  CHECK(order->state == OrderState::success);
  const auto events = f.events_of("RCP1001");
  const auto* moved = transition(events, OrderState::recharging, OrderState::success);
  REQUIRE(moved != nullptr);
  CHECK(moved->message.find("carries no recharge_amount.amount") != std::string::npos);
  CHECK(moved->evidence.find(R"("recharge_amount":{})") != std::string::npos);
}

TEST_CASE("an answer with every optional field missing still settles the order") {
  EngineFixture f;
  paid(f, "RCP1002");
  answer_shapes(f, {{"omit_optional", "1"}});
  auto order = f.service->sync("RCP1002", orders::EventSource::poll);
  REQUIRE_MESSAGE(order.ok(), order.error().message);
  CHECK(order->state == OrderState::success);
  CHECK(order->recharge_channel.empty()); // 选填: the platform did not say
}

TEST_CASE("a time that does not parse keeps its text in the event and the rest of the answer is recorded") {
  EngineFixture f;
  paid(f, "RCP1003");
  answer_shapes(f, {{"odd_times", "1"}});
  auto order = f.service->sync("RCP1003", orders::EventSource::poll);
  REQUIRE_MESSAGE(order.ok(), order.error().message);
  CHECK(order->state == OrderState::success);
  CHECK(order->recharge_channel == "QR_RECHARGE");
  CHECK_FALSE(order->success_time.has_value());
  const auto events = f.events_of("RCP1003");
  const auto* moved = transition(events, OrderState::recharging, OrderState::success);
  REQUIRE(moved != nullptr);
  CHECK(moved->message.find("success_time=\"2026-11-23 10:00:") != std::string::npos);
}

TEST_CASE("unknown fields, nulls, close_time on SUCCESS and an older scene spelling are read past") {
  EngineFixture f;
  paid(f, "RCP1004");
  answer_shapes(f, {{"extra_fields", "1"},
                    {"null_fields", "1"},
                    {"close_time_on_success", "1"},
                    {"recharge_scene_as", "ECOMMERCE_BANK_TRANSFER"}});
  auto order = f.service->sync("RCP1004", orders::EventSource::poll);
  REQUIRE_MESSAGE(order.ok(), order.error().message);
  CHECK(order->state == OrderState::success);
  CHECK_FALSE(order->close_time.has_value()); // a close_time on a SUCCESS answer is not taken for a close
  CHECK(order->platform_state == "SUCCESS");
}

TEST_CASE("an older account_type spelling for our DEPOSIT order is a mismatch: the order is quarantined") {
  EngineFixture f;
  paid(f, "RCP1005");
  answer_shapes(f, {{"account_type_as", "BASIC"}});
  auto order = f.service->sync("RCP1005", orders::EventSource::poll);
  REQUIRE(order.ok());
  CHECK(order->state == OrderState::suspect);
}

TEST_CASE("a close answered 200 with the order paid meanwhile is recorded SUCCESS from the close answer itself") {
  EngineFixture f;
  REQUIRE(f.service->apply(f.sandbox.apply_request("RCP2001")).ok());
  PaysBeforeClose transport(f);
  wxpay::ApiClient api(f.sandbox.signer(), f.sandbox.platform_keys(), transport, f.clock, "recharged-test/1.0");
  engine::OrderService service(engine::ServiceContext{*f.store, *f.sink, api, f.gate, *f.planner, f.clock, nullptr});
  auto order = service.close("RCP2001", orders::EventSource::operator_action);
  REQUIRE_MESSAGE(order.ok(), order.error().message);
  CHECK(order->state == OrderState::success);
  CHECK(order->recharge_channel == "BANK_TRANSFER");
  const auto events = f.events_of("RCP2001");
  CHECK(transition(events, OrderState::recharging, OrderState::closing) != nullptr);
  const auto* moved = transition(events, OrderState::closing, OrderState::success);
  REQUIRE(moved != nullptr);
  CHECK(moved->endpoint == "close");
  CHECK(moved->http_status == 200);
  CHECK(moved->evidence.find("\"SUCCESS\"") != std::string::npos);
  CHECK(events.back().endpoint == "query"); // and the confirming query still follows
  CHECK(f.sandbox.platform().truth("RCP2001")->deposit.recharge_state == sandbox::RechargeState::success);
  CHECK(f.sandbox.platform().truth("RCP2001")->closes == 1);
}
