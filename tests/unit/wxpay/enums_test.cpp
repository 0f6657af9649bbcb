#include "wxpay/enums.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged::wxpay;

TEST_CASE("every platform enum value round-trips through its platform spelling") {
  for (auto v : {RechargeScene::ecommerce_deposit, RechargeScene::ecommerce_payment})
    CHECK(parse<RechargeScene>(to_string(v)) == v);
  for (auto v : {AccountType::deposit, AccountType::operation}) CHECK(parse<AccountType>(to_string(v)) == v);
  for (auto v : {RechargeChannel::bank_transfer, RechargeChannel::qr_recharge, RechargeChannel::online_bank})
    CHECK(parse<RechargeChannel>(to_string(v)) == v);
  for (auto v : {RechargeState::success, RechargeState::recharging, RechargeState::closed})
    CHECK(parse<RechargeState>(to_string(v)) == v);
  CHECK(to_string(RechargeChannel::qr_recharge) == "QR_RECHARGE");
  CHECK(to_string(RechargeScene::ecommerce_payment) == "ECOMMERCE_PAYMENT");
  CHECK(to_string(RechargeState::unknown) == "UNKNOWN");
}

TEST_CASE("parsing is exact: other cases, spaces and unknown names are not values") {
  CHECK_FALSE(parse<RechargeState>("success").has_value());
  CHECK_FALSE(parse<RechargeState>("SUCCESS ").has_value());
  CHECK_FALSE(parse<RechargeState>("").has_value());
  CHECK_FALSE(parse<RechargeState>("UNKNOWN").has_value());
  CHECK_FALSE(parse<AccountType>("BASIC").has_value());
}

TEST_CASE("a value this build does not know is kept verbatim, like seed 003's older enums") {
  const auto basic = Known<AccountType>::from_text("BASIC");
  CHECK_FALSE(basic.known());
  CHECK(basic.value == AccountType::unknown);
  CHECK(basic.text == "BASIC");
  const auto scene = Known<RechargeScene>::from_text("ECOMMERCE_BANK_TRANSFER");
  CHECK_FALSE(scene.known());
  CHECK(scene.text == "ECOMMERCE_BANK_TRANSFER");
  const auto known = Known<RechargeChannel>::from_text("ONLINE_BANK");
  CHECK(known.known());
  CHECK(known.value == RechargeChannel::online_bank);
}

TEST_CASE("a Known built from a value carries its spelling and compares by text") {
  const Known<RechargeState> a = RechargeState::closed;
  CHECK(a.text == "CLOSED");
  CHECK(a == Known<RechargeState>::from_text("CLOSED"));
  CHECK_FALSE(Known<RechargeState>::from_text("REFUNDED") == Known<RechargeState>::from_text("REVOKED"));
  const Known<RechargeState> empty;
  CHECK_FALSE(empty.known());
  CHECK(empty.text.empty());
}
