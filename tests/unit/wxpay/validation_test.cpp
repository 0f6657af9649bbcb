#include "wxpay/validation.hpp"

#include "core/utf8.hpp"
#include "tests/support/keys.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::wxpay;

namespace {

ApplyRequest valid() { return test::sample_apply_request("CZ20261123A1"); }

// The field an invalid request is refused for ("" when it is accepted).
std::string refused_field(const ApplyRequest& r) {
  const Status s = validate(r);
  return s.ok() ? std::string() : s.error().field;
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

} // namespace

TEST_CASE("a complete, sensible request is valid") {
  auto r = valid();
  r.notify_url = "https://merchant.example.com/recharged/notify";
  r.available_recharge_channels = {RechargeChannel::bank_transfer, RechargeChannel::online_bank};
  r.remark = "十一月保证金充值";
  CHECK(validate(r).ok());
  CHECK(validate(valid()).ok());
}

TEST_CASE("out_recharge_no must be 1 to 64 characters of 0-9, A-Z and a-z") {
  CHECK(validate_out_recharge_no("A").ok());
  CHECK(validate_out_recharge_no(std::string(64, 'z')).ok());
  CHECK(validate_out_recharge_no("cz202407181234").ok());
  for (std::string bad : {std::string(), std::string(65, '1'), std::string("cz-1"), std::string("cz_1"),
                          std::string("cz 1"), std::string("充值1"), std::string("cz1\n"), std::string("cz/1"),
                          std::string("a\0b", 3)}) {
    CAPTURE(bad);
    const Status s = validate_out_recharge_no(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().field == "out_recharge_no");
    CHECK(s.error().kind == ErrorKind::invalid_input);
    CHECK(s.error().message.find("1 to 64") != std::string::npos);
  }
}

TEST_CASE("a merchant id is 1 to 32 digits, and the error uses the caller's field name") {
  CHECK(validate_mchid("1900000110", "sub_mchid").ok());
  CHECK(validate_mchid(std::string(32, '9'), "sub_mchid").ok());
  for (std::string bad : {std::string(), std::string(33, '1'), std::string("19000a"), std::string("-1"),
                          std::string(" 1900")}) {
    CAPTURE(bad);
    const Status s = validate_mchid(bad, "sub_mchid");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().field == "sub_mchid");
  }
  auto r = valid();
  r.sub_mchid = "abc";
  CHECK(refused_field(r) == "sub_mchid");
}

TEST_CASE("the amount must be positive, in CNY and at most 2千万元") {
  auto r = valid();
  r.recharge_amount.amount = 1;
  CHECK(validate(r).ok());
  r.recharge_amount.amount = k_max_apply_amount;
  CHECK(validate(r).ok());
  r.recharge_amount.amount = k_max_apply_amount + 1;
  const Status over = validate(r);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().field == "recharge_amount.amount");
  CHECK(over.error().message.find("2千万元") != std::string::npos);
  CHECK(over.error().message.find("2000000001 fen") != std::string::npos);
  for (Fen bad : {Fen{0}, Fen{-1}, std::numeric_limits<Fen>::min()}) {
    r.recharge_amount.amount = bad;
    CHECK(refused_field(r) == "recharge_amount.amount");
  }
  r.recharge_amount.amount = 100;
  for (std::string currency : {"USD", "cny", "", "CNY "}) {
    r.recharge_amount.currency = currency;
    CHECK(refused_field(r) == "recharge_amount.currency");
  }
}

TEST_CASE("a QR-only recharge is capped at 5万元 while mixed channels are not") {
  auto r = valid();
  r.available_recharge_channels = {RechargeChannel::qr_recharge};
  r.recharge_amount.amount = k_max_qr_amount;
  CHECK(validate(r).ok());
  r.recharge_amount.amount = k_max_qr_amount + 1;
  CHECK(refused_field(r) == "recharge_amount.amount");
  r.available_recharge_channels.push_back(RechargeChannel::bank_transfer);
  CHECK(validate(r).ok());
}

TEST_CASE("channels must come from the enum, each at most once") {
  auto r = valid();
  r.available_recharge_channels = {Known<RechargeChannel>::from_text("WECHAT")};
  CHECK(refused_field(r) == "available_recharge_channels");
  r.available_recharge_channels = {RechargeChannel::bank_transfer, RechargeChannel::bank_transfer};
  const Status twice = validate(r);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().message.find("only once") != std::string::npos);
}

TEST_CASE("scene and account type must be values the current platform accepts") {
  auto r = valid();
  r.recharge_scene = Known<RechargeScene>::from_text("ECOMMERCE_BANK_TRANSFER");
  CHECK(refused_field(r) == "recharge_scene");
  r = valid();
  r.account_type = Known<AccountType>::from_text("BASIC");
  CHECK(refused_field(r) == "account_type");
  r = valid();
  r.account_type = Known<AccountType>{};
  CHECK(refused_field(r) == "account_type");
}

TEST_CASE("remark allows 20 UTF-8 characters without emoji or control characters") {
  CHECK(validate_remark(repeat("充", 20)).ok());
  CHECK(validate_remark(std::string(20, 'a')).ok());
  CHECK(validate_remark("").ok());
  CHECK_FALSE(validate_remark(repeat("充", 21)).ok());
  CHECK_FALSE(validate_remark(std::string(21, 'a')).ok());
  const Status emoji = validate_remark("充值\xF0\x9F\x98\x80");
  REQUIRE_FALSE(emoji.ok());
  CHECK(emoji.error().field == "remark");
  CHECK(emoji.error().message.find("emoji") != std::string::npos);
  CHECK_FALSE(validate_remark("\xE5\x85").ok());
  CHECK_FALSE(validate_remark("line\nbreak").ok());
  CHECK_FALSE(validate_remark("tab\there").ok());
  auto r = valid();
  r.remark = repeat("充", 21);
  CHECK(refused_field(r) == "remark");
}

TEST_CASE("notify_url must be https, at most 1024 characters, without query, fragment or spaces") {
  const std::string base = "https://merchant.example.com/";
  CHECK(validate_notify_url(base + "notify").ok());
  CHECK(validate_notify_url(base + std::string(1024 - base.size(), 'n')).ok());
  CHECK_FALSE(validate_notify_url(base + std::string(1025 - base.size(), 'n')).ok());
  for (std::string bad : {"http://merchant.example.com/notify", "https://", "ftp://x", "merchant.example.com/notify",
                          "https://merchant.example.com/notify?order=1", "https://merchant.example.com/n#frag",
                          "https://merchant.example.com/a b", "https://merchant.example.com/a\r\n"}) {
    CAPTURE(bad);
    const Status s = validate_notify_url(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().field == "notify_url");
  }
  auto r = valid();
  r.notify_url = "http://insecure.example.com/n";
  CHECK(refused_field(r) == "notify_url");
}

TEST_CASE("error messages show the offending value safely: control characters masked, long text cut on a character") {
  const Status control = validate_out_recharge_no("cz\x1b[31mred");
  REQUIRE_FALSE(control.ok());
  CHECK(control.error().message.find('\x1b') == std::string::npos);
  const Status long_remark = validate_remark(repeat("充", 40)); // 120 bytes, cut near 80
  REQUIRE_FALSE(long_remark.ok());
  CHECK(long_remark.error().message.find("20 characters") != std::string::npos);
  CHECK(inspect_utf8(long_remark.error().message).has_value());
}

TEST_CASE("validate reports the first problem in a stable order, starting with sub_mchid") {
  ApplyRequest r; // everything missing
  CHECK(refused_field(r) == "sub_mchid");
  r.sub_mchid = "1900000110";
  CHECK(refused_field(r) == "out_recharge_no");
}
