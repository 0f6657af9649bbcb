#include "engine/order_intake.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::engine;

namespace {

const TimePoint k_now = parse_rfc3339("2026-11-23T02:00:00.000Z").value();

std::string api_name(std::string_view f) { return std::string(f); }

} // namespace

TEST_CASE("an apply input takes the [apply] defaults for what it leaves out, and a generated number") {
  config::ApplyConfig defaults;
  defaults.notify_url = "https://m.example.com/notify";
  defaults.channels = {"QR_RECHARGE"};
  defaults.out_recharge_no_prefix = "BO";
  ApplyInput in;
  in.sub_mchid = "1900000109";
  in.amount = 50000;
  const auto r = apply_request(in, defaults, k_now);
  CHECK(r.out_recharge_no.starts_with("BO20261123100000"));
  CHECK(r.recharge_amount.amount == 50000);
  CHECK(r.recharge_scene.text == "ECOMMERCE_DEPOSIT");
  CHECK(r.account_type.text == "DEPOSIT");
  REQUIRE(r.available_recharge_channels.size() == 1);
  CHECK(r.available_recharge_channels[0].text == "QR_RECHARGE");
  CHECK(r.notify_url == defaults.notify_url);
  CHECK_FALSE(r.remark);

  in.out_recharge_no = "RC1";
  in.channels = {"BANK_TRANSFER"};
  in.notify_url = "https://other.example.com/n";
  in.remark = "top up";
  const auto given = apply_request(in, defaults, k_now);
  CHECK(given.out_recharge_no == "RC1");
  CHECK(given.available_recharge_channels[0].text == "BANK_TRANSFER");
  CHECK(given.notify_url == "https://other.example.com/n");
  CHECK(given.remark == "top up");
}

TEST_CASE("list filters are read as the caller names them, in any case, with ages before now") {
  ListQuery q;
  q.states = {"recharging", "SUCCESS"};
  q.since = "24h";
  q.until = "2026-11-23T10:00:00+08:00";
  q.limit = 5;
  const auto f = list_filter(q, k_now, api_name);
  REQUIRE(f);
  CHECK(f->states == std::vector{orders::OrderState::recharging, orders::OrderState::success});
  CHECK(f->created_since == k_now - std::chrono::hours{24});
  CHECK(f->created_until == k_now);
  CHECK(f->limit == 5);

  q.states = {"PAID"};
  const auto bad = list_filter(q, k_now, [](std::string_view name) { return "--" + std::string(name); });
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "--state");
  CHECK(bad.error().message.find("'PAID'") != std::string::npos);
  q.states.clear();
  q.limit = 0;
  CHECK(list_filter(q, k_now, api_name).error().field == "limit");
  q.limit = 1;
  q.after = "cursor";
  CHECK(list_filter(q, k_now, api_name).error().field == "after");
}
