#include "wxpay/codec.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::wxpay;

namespace {

// The three 200 examples of the query page (seed 001), reformatted; note close_time on SUCCESS answers.
constexpr std::string_view k_seed_qr = R"({
  "sp_mchid" : "1900001109", "sub_mchid" : "1900001121", "recharge_id" : "100000202405180012345678",
  "out_recharge_no" : "cz202407181234", "recharge_channel" : "QR_RECHARGE", "account_type" : "DEPOSIT",
  "recharge_state" : "SUCCESS", "recharge_scene" : "ECOMMERCE_DEPOSIT", "recharge_state_desc" : "充值成功",
  "recharge_amount" : { "amount" : 500000, "currency" : "CNY" },
  "qr_recharge_info" : { "employee_type" : "STAFF", "openid" : "owYiu0WOJdGCYxoHrPabGhI39uT4" },
  "accept_time" : "2015-05-19T13:29:35+08:00", "success_time" : "2015-05-20T14:29:35+08:00",
  "close_time" : "2015-05-20T13:29:35+08:00", "available_recharge_channels" : [ "QR_RECHARGE" ] })";

constexpr std::string_view k_seed_bank = R"({
  "sp_mchid" : "1900001109", "sub_mchid" : "1900001121", "recharge_id" : "100000202405180012345678",
  "out_recharge_no" : "cz202407181234", "recharge_channel" : "BANK_TRANSFER", "account_type" : "DEPOSIT",
  "recharge_state" : "SUCCESS", "recharge_scene" : "ECOMMERCE_DEPOSIT", "recharge_state_desc" : "充值成功",
  "recharge_amount" : { "amount" : 500000, "currency" : "CNY" },
  "bank_transfer_info" : { "bill_no" : "111111", "memo" : "转账充值附言", "bank_name" : "中国银行",
                           "bank_card_tail" : "0722", "bank_account_name" : "某某某有限公司" },
  "accept_time" : "2015-05-19T13:29:35+08:00", "success_time" : "2015-05-20T14:29:35+08:00",
  "close_time" : "2015-05-20T13:29:35+08:00", "available_recharge_channels" : [ "BANK_TRANSFER" ] })";

constexpr std::string_view k_seed_online = R"({
  "sp_mchid" : "2480304861", "sub_mchid" : "2600021157", "recharge_id" : "100000202405180012345678",
  "out_recharge_no" : "cz202407181234", "recharge_channel" : "ONLINE_BANK", "account_type" : "DEPOSIT",
  "recharge_state" : "SUCCESS", "recharge_scene" : "ECOMMERCE_DEPOSIT", "recharge_state_desc" : "充值成功",
  "recharge_amount" : { "amount" : 10, "currency" : "CNY" },
  "online_bank_recharge_info" : { "bill_no" : "162412031618542392059", "bank_name" : "工商银行",
    "online_bank_type" : "ONLINE_BANK_TYPE_CORPORATE", "bank_card_tail" : "9999", "bank_account_name" : "超级玛丽399" },
  "accept_time" : "2024-12-03T15:06:00+08:00", "success_time" : "2024-12-03T15:10:21+08:00",
  "close_time" : "2015-05-20T13:29:35+08:00", "available_recharge_channels" : [ "ONLINE_BANK" ] })";

// A minimal valid MchDeposit with one field replaced by `field_json` ("" keeps it as is).
std::string deposit_with(std::string_view extra) {
  return std::string(R"({"sp_mchid":"1","sub_mchid":"2","recharge_id":"3","out_recharge_no":"A1",)"
                     R"("account_type":"DEPOSIT","recharge_state":"RECHARGING","recharge_scene":"ECOMMERCE_DEPOSIT",)"
                     R"("recharge_amount":{"amount":100,"currency":"CNY"})") +
         std::string(extra) + "}";
}

std::string time_text(const std::optional<TimePoint>& t) { return t ? format_rfc3339(*t) : "none"; }

} // namespace

TEST_CASE("the seed's QR success answer decodes every field, close_time on SUCCESS included") {
  auto d = decode_mch_deposit(k_seed_qr);
  REQUIRE(d.ok());
  CHECK(d->sp_mchid == "1900001109");
  CHECK(d->sub_mchid == "1900001121");
  CHECK(d->recharge_id == "100000202405180012345678");
  CHECK(d->out_recharge_no == "cz202407181234");
  REQUIRE(d->recharge_channel.has_value());
  CHECK(d->recharge_channel->value == RechargeChannel::qr_recharge);
  CHECK(d->account_type.value == AccountType::deposit);
  CHECK(d->recharge_state.value == RechargeState::success);
  CHECK(d->recharge_scene.value == RechargeScene::ecommerce_deposit);
  CHECK(d->recharge_state_desc == "充值成功");
  CHECK(d->recharge_amount == ReportedAmount(Amount{500000, "CNY"}));
  CHECK(d->unread.empty());
  REQUIRE(d->qr_recharge_info.has_value());
  CHECK(d->qr_recharge_info->employee_type == "STAFF");
  CHECK(d->qr_recharge_info->openid == "owYiu0WOJdGCYxoHrPabGhI39uT4");
  CHECK(time_text(d->accept_time) == "2015-05-19T13:29:35+08:00");
  CHECK(time_text(d->success_time) == "2015-05-20T14:29:35+08:00");
  CHECK(time_text(d->close_time) == "2015-05-20T13:29:35+08:00");
  REQUIRE(d->available_recharge_channels.size() == 1);
  CHECK(d->available_recharge_channels[0].value == RechargeChannel::qr_recharge);
  CHECK_FALSE(d->bank_transfer_info.has_value());
  CHECK_FALSE(d->remark.has_value());
}

TEST_CASE("the seed's bank-transfer and online-bank answers decode their channel details") {
  auto bank = decode_mch_deposit(k_seed_bank);
  REQUIRE(bank.ok());
  REQUIRE(bank->bank_transfer_info.has_value());
  CHECK(bank->bank_transfer_info->bill_no == "111111");
  CHECK(bank->bank_transfer_info->memo == "转账充值附言");
  CHECK(bank->bank_transfer_info->bank_name == "中国银行");
  CHECK(bank->bank_transfer_info->bank_card_tail == "0722");
  CHECK(bank->bank_transfer_info->bank_account_name == "某某某有限公司");
  CHECK_FALSE(bank->bank_transfer_info->return_time.has_value());
  auto online = decode_mch_deposit(k_seed_online);
  REQUIRE(online.ok());
  REQUIRE(online->online_bank_recharge_info.has_value());
  CHECK(online->online_bank_recharge_info->online_bank_type == "ONLINE_BANK_TYPE_CORPORATE");
  CHECK(online->online_bank_recharge_info->bill_no == "162412031618542392059");
  CHECK(online->recharge_amount.amount == 10);
  CHECK(online->recharge_channel->value == RechargeChannel::online_bank);
}

TEST_CASE("the seed's apply answer decodes") {
  auto a = decode_apply_response(R"({"recharge_id" : "172207846292553701", "out_recharge_no" : "cz202407181234",
                                    "recharge_url" : "https://www.payapp.qq.com/plat/recharge.html"})");
  REQUIRE(a.ok());
  CHECK(a->recharge_id == "172207846292553701");
  CHECK(a->out_recharge_no == "cz202407181234");
  CHECK(a->recharge_url == "https://www.payapp.qq.com/plat/recharge.html");
  CHECK_FALSE(decode_apply_response(R"({"recharge_id":"1","out_recharge_no":"x"})").ok());
}

TEST_CASE("unknown enum values and unknown fields are kept or ignored, never fatal") {
  auto d = decode_mch_deposit(deposit_with(R"(,"recharge_state":"REFUNDED","account_type":"BASIC",)"
                                           R"("recharge_channel":"WECHAT_PAY","available_recharge_channels":["X","QR_RECHARGE"],)"
                                           R"("brand_new_field":{"nested":[1,2,3]})"));
  REQUIRE(d.ok());
  CHECK(d->recharge_state.value == RechargeState::unknown);
  CHECK(d->recharge_state.text == "REFUNDED");
  CHECK(d->account_type.text == "BASIC");
  CHECK(d->recharge_channel->text == "WECHAT_PAY");
  REQUIRE(d->available_recharge_channels.size() == 2);
  CHECK_FALSE(d->available_recharge_channels[0].known());
  CHECK(d->available_recharge_channels[1].known());
  // And they survive re-encoding as text.
  CHECK(encode(*d).find("\"REFUNDED\"") != std::string::npos);
}

TEST_CASE("amounts are int64 fen: 8亿元 decodes, fractions, strings and out-of-range numbers do not") {
  auto big = decode_mch_deposit(deposit_with(R"(,"recharge_amount":{"amount":80000000000,"currency":"CNY"})"));
  REQUIRE(big.ok());
  CHECK(big->recharge_amount.amount == 80'000'000'000);
  // An amount that is present is never guessed at, however leniently the rest is read.
  for (std::string bad : {R"({"amount":100.5,"currency":"CNY"})", R"({"amount":"100","currency":"CNY"})",
                          R"({"amount":9223372036854775808,"currency":"CNY"})", R"({"amount":100,"currency":156})",
                          R"({"amount":true})", R"([100])", R"("100")", R"(null)"}) {
    CAPTURE(bad);
    auto r = decode_mch_deposit(deposit_with(R"(,"recharge_amount":)" + bad));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "malformed");
    CHECK(r.error().field.starts_with("recharge_amount"));
  }
}

TEST_CASE("a missing or mistyped required field names the field and the rule") {
  auto missing = decode_mch_deposit(R"({"sp_mchid":"1","sub_mchid":"2","out_recharge_no":"A1"})");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().field == "recharge_id");
  CHECK(missing.error().message.find("'recharge_id' is required") != std::string::npos);
  auto wrong_type = decode_mch_deposit(deposit_with(R"(,"recharge_state":7)"));
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.error().field == "recharge_state");
  CHECK(wrong_type.error().message.find("must be a string") != std::string::npos);
  for (std::string amount : {R"(,"recharge_amount":null)", R"(,"recharge_amount":"500")"}) {
    auto r = decode_mch_deposit(deposit_with(amount)); // the object itself is required (必填)
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "recharge_amount");
  }
}

TEST_CASE("optional fields that do not parse are kept as text and the rest of the answer is used") {
  auto d = decode_mch_deposit(deposit_with(
      R"(,"recharge_state":"SUCCESS","success_time":"2026-11-23 17:30:00","recharge_state_desc":42,)"
      R"("bank_transfer_info":{"bill_no":"B1","return_time":"2026-13-01T00:00:00Z"},"qr_recharge_info":"STAFF",)"
      R"("accept_time":"2026-11-23T17:00:00+08:00","available_recharge_channels":["QR_RECHARGE",7])"));
  REQUIRE(d.ok());
  CHECK(d->recharge_state.value == RechargeState::success);
  CHECK_FALSE(d->success_time.has_value());
  CHECK(d->accept_time.has_value());
  CHECK_FALSE(d->recharge_state_desc.has_value());
  REQUIRE(d->bank_transfer_info.has_value());
  CHECK(d->bank_transfer_info->bill_no == "B1");
  CHECK_FALSE(d->bank_transfer_info->return_time.has_value());
  CHECK_FALSE(d->qr_recharge_info.has_value());
  REQUIRE(d->available_recharge_channels.size() == 1);
  const std::vector<UnreadField> expected{{"recharge_state_desc", "42"},
                                          {"bank_transfer_info.return_time", R"("2026-13-01T00:00:00Z")"},
                                          {"qr_recharge_info", R"("STAFF")"},
                                          {"success_time", R"("2026-11-23 17:30:00")"},
                                          {"available_recharge_channels[1]", "7"}};
  CHECK(d->unread == expected);
  // unread is evidence of decoding, never sent back out.
  CHECK(encode(*d).find("2026-11-23 17:30:00") == std::string::npos);
}

TEST_CASE("an overlong unreadable value is kept cut on a character boundary") {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "时";
  auto d = decode_mch_deposit(deposit_with(R"(,"close_time":")" + long_text + "\""));
  REQUIRE(d.ok());
  REQUIRE(d->unread.size() == 1);
  CHECK(d->unread[0].text.size() <= 204);
  CHECK(d->unread[0].text.ends_with("…"));
  CHECK(d->unread[0].text.starts_with("\"时时"));
}

TEST_CASE("recharge_amount's members are optional: amount and currency may each be absent or null") {
  auto no_currency = decode_mch_deposit(deposit_with(R"(,"recharge_amount":{"amount":100})"));
  REQUIRE(no_currency.ok());
  CHECK(no_currency->recharge_amount.amount == 100);
  CHECK_FALSE(no_currency->recharge_amount.currency.has_value());
  CHECK(no_currency->recharge_amount.currency_or_default() == "CNY");
  auto null_currency = decode_mch_deposit(deposit_with(R"(,"recharge_amount":{"amount":100,"currency":null})"));
  REQUIRE(null_currency.ok());
  CHECK_FALSE(null_currency->recharge_amount.currency.has_value());
  auto no_amount = decode_mch_deposit(deposit_with(R"(,"recharge_amount":{"currency":"CNY"})"));
  REQUIRE(no_amount.ok());
  CHECK_FALSE(no_amount->recharge_amount.amount.has_value());
  auto empty = decode_mch_deposit(deposit_with(R"(,"recharge_amount":{"amount":null})"));
  REQUIRE(empty.ok());
  CHECK(empty->recharge_amount == ReportedAmount{});
  // Encoding leaves out what is absent instead of writing null.
  CHECK(encode(*empty).find(R"("recharge_amount":{})") != std::string::npos);
}

TEST_CASE("null values count as absent wherever they appear, a null required field as missing") {
  auto d = decode_mch_deposit(deposit_with(
      R"(,"success_time":null,"bank_transfer_info":null,"remark":null,"recharge_channel":null,)"
      R"("qr_recharge_info":{"openid":null,"employee_type":"STAFF"},"available_recharge_channels":[null,"BANK_TRANSFER"],)"
      R"("online_bank_recharge_info":{"return_time":null})"));
  REQUIRE(d.ok());
  CHECK_FALSE(d->success_time.has_value());
  CHECK_FALSE(d->bank_transfer_info.has_value());
  CHECK_FALSE(d->recharge_channel.has_value());
  REQUIRE(d->qr_recharge_info.has_value());
  CHECK_FALSE(d->qr_recharge_info->openid.has_value());
  REQUIRE(d->available_recharge_channels.size() == 1);
  CHECK(d->available_recharge_channels[0].value == RechargeChannel::bank_transfer);
  CHECK(d->unread.empty());
  auto r = decode_mch_deposit(deposit_with(R"(,"recharge_id":null)"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "recharge_id");
}

TEST_CASE("unknown fields are ignored at every level, whatever their type") {
  auto d = decode_mch_deposit(deposit_with(
      R"(,"promotion_detail":[{"x":null}],"recharge_amount":{"amount":100,"currency":"CNY","payer_amount":100,"fx":null},)"
      R"("bank_transfer_info":{"bill_no":"B","branch":{"code":1}},"extra_null":null,"flag":true)"));
  REQUIRE(d.ok());
  CHECK(d->recharge_amount.amount == 100);
  CHECK(d->bank_transfer_info->bill_no == "B");
  CHECK(d->unread.empty());
}

TEST_CASE("the older enum values of the PHP SDK page are kept as text") {
  auto d = decode_mch_deposit(deposit_with(R"(,"account_type":"BASIC","recharge_scene":"ECOMMERCE_BANK_TRANSFER")"));
  REQUIRE(d.ok());
  CHECK_FALSE(d->account_type.known());
  CHECK(d->account_type.text == "BASIC");
  CHECK(d->recharge_scene.text == "ECOMMERCE_BANK_TRANSFER");
  for (std::string other : {"FEES", "NORMAL_BANK_TRANSFER"}) {
    auto o = decode_mch_deposit(deposit_with(R"(,"account_type":")" + other + R"(","recharge_scene":")" + other + "\""));
    REQUIRE(o.ok());
    CHECK(o->account_type.text == other);
  }
}

TEST_CASE("the apply request decoder stays strict about its optional fields") {
  auto r = decode_apply_request(R"({"sub_mchid":"1","out_recharge_no":"A","recharge_scene":"ECOMMERCE_DEPOSIT",)"
                                R"("account_type":"DEPOSIT","recharge_amount":{"amount":1,"currency":"CNY"},"remark":5})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "remark");
}

TEST_CASE("bodies that are not a JSON object are malformed, including hostile nesting") {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (const std::string& bad : {std::string(), std::string("{"), std::string("[]"), std::string("\"x\""),
                                 std::string("null"), std::string("{\"a\":1}{"), std::string("<html>502</html>"),
                                 deep, std::string("{\"a\":") + deep + "}", std::string("\xFF\xFE{}")}) {
    auto r = decode_mch_deposit(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "malformed");
    CHECK(r.error().kind == ErrorKind::invalid_input);
  }
}

TEST_CASE("an apply request encodes compactly, omits absent optional fields and round-trips") {
  ApplyRequest r;
  r.sub_mchid = "1900000110";
  r.out_recharge_no = "CZ20261123A1";
  r.recharge_scene = RechargeScene::ecommerce_deposit;
  r.account_type = AccountType::operation;
  r.recharge_amount = Amount{80'000'000'000, "CNY"};
  const std::string minimal = encode(r);
  CHECK(minimal.find("null") == std::string::npos);
  CHECK(minimal.find("notify_url") == std::string::npos);
  CHECK(minimal.find("remark") == std::string::npos);
  CHECK(minimal.find("available_recharge_channels") == std::string::npos);
  CHECK(minimal.find(' ') == std::string::npos);
  CHECK(minimal.find("\"amount\":80000000000") != std::string::npos);
  r.notify_url = "https://merchant.example.com/notify/recharge";
  r.available_recharge_channels = {RechargeChannel::bank_transfer, RechargeChannel::qr_recharge};
  r.remark = "充值备注 \"quoted\"";
  const auto back = decode_apply_request(encode(r));
  REQUIRE(back.ok());
  CHECK(back->sub_mchid == r.sub_mchid);
  CHECK(back->out_recharge_no == r.out_recharge_no);
  CHECK(back->recharge_scene == r.recharge_scene);
  CHECK(back->account_type == r.account_type);
  CHECK(back->recharge_amount == r.recharge_amount);
  CHECK(back->notify_url == r.notify_url);
  CHECK(back->remark == r.remark);
  REQUIRE(back->available_recharge_channels.size() == 2);
  CHECK(back->available_recharge_channels[0].text == "BANK_TRANSFER");
  CHECK(encode(r).find("充值备注") != std::string::npos); // UTF-8 as is, not \u escapes
}

TEST_CASE("a fully populated order round-trips through encode and decode") {
  MchDeposit d;
  d.sp_mchid = "1900001109";
  d.sub_mchid = "1900001121";
  d.recharge_id = "100000202405180012345678";
  d.out_recharge_no = "cz1";
  d.recharge_channel = RechargeChannel::bank_transfer;
  d.account_type = AccountType::deposit;
  d.recharge_state = RechargeState::closed;
  d.recharge_scene = RechargeScene::ecommerce_payment;
  d.recharge_state_desc = "超过时间限制,系统自动关闭充值单";
  d.recharge_amount = Amount{123, "CNY"};
  d.bank_transfer_info = BankTransferInfo{"b1", "m", "退回", "银行", "0722", "户名", parse_rfc3339("2026-11-23T17:30:00+08:00").value()};
  d.qr_recharge_info = QrRechargeInfo{"openid", "ADMIN"};
  d.online_bank_recharge_info = OnlineBankRechargeInfo{"b2", "r", "工商银行", "ONLINE_BANK_TYPE_PERSONAL", "9999", "n", std::nullopt};
  d.accept_time = parse_rfc3339("2026-11-23T09:00:00+08:00").value();
  d.close_time = parse_rfc3339("2026-11-30T09:00:00+08:00").value();
  d.available_recharge_channels = {RechargeChannel::bank_transfer};
  d.remark = "备注";
  const auto back = decode_mch_deposit(encode(d));
  REQUIRE(back.ok());
  CHECK(encode(*back) == encode(d));
  CHECK(back->bank_transfer_info->return_time == d.bank_transfer_info->return_time);
  CHECK(back->qr_recharge_info->employee_type == "ADMIN");
  CHECK(back->remark == "备注");
  CHECK(back->close_time == d.close_time);
  CHECK_FALSE(back->success_time.has_value());
}

TEST_CASE("error bodies decode code, message and detail, and need a code") {
  auto full = decode_error_body(R"({"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/amount/currency",)"
                                R"("value":"XYZ","issue":"Currency code is invalid","location":"body"}})");
  REQUIRE(full.ok());
  CHECK(full->code == "PARAM_ERROR");
  CHECK(full->message == "参数错误");
  CHECK(full->detail_field == "/amount/currency");
  CHECK(full->detail_issue == "Currency code is invalid");
  auto bare = decode_error_body(R"({"code":"SYSTEM_ERROR","message":"系统繁忙,请稍后重试"})");
  REQUIRE(bare.ok());
  CHECK_FALSE(bare->detail_field.has_value());
  auto odd_detail = decode_error_body(R"({"code":"X","detail":"text"})");
  REQUIRE(odd_detail.ok());
  CHECK(odd_detail->message.empty());
  CHECK_FALSE(decode_error_body(R"({"message":"no code"})").ok());
  const ErrorBody e{"INVALID_REQUEST", "该业务充值单号已存在", "out_recharge_no", "duplicate"};
  const auto back = decode_error_body(encode(e));
  REQUIRE(back.ok());
  CHECK(back->code == e.code);
  CHECK(back->message == e.message);
  CHECK(back->detail_field == e.detail_field);
}

TEST_CASE("a notification envelope decodes and round-trips") {
  Notification n;
  n.id = "EV-2018022511223320873";
  n.create_time = parse_rfc3339("2026-11-23T17:30:00+08:00").value();
  n.event_type = "RECHARGE.SUCCESS";
  n.resource_type = "encrypt-resource";
  n.summary = "充值成功";
  n.resource = NotificationResource{"recharge", "AEAD_AES_256_GCM", "c2VhbGVk", "", "0123456789ab"};
  const auto back = decode_notification(encode(n));
  REQUIRE(back.ok());
  CHECK(back->id == n.id);
  CHECK(back->create_time == n.create_time);
  CHECK(back->event_type == "RECHARGE.SUCCESS");
  CHECK(back->summary == "充值成功");
  CHECK(back->resource.original_type == "recharge");
  CHECK(back->resource.associated_data.empty());
  CHECK(back->resource.nonce == "0123456789ab");
  auto no_resource = decode_notification(R"({"id":"1","event_type":"RECHARGE.SUCCESS"})");
  REQUIRE_FALSE(no_resource.ok());
  CHECK(no_resource.error().field == "resource");
  auto no_nonce = decode_notification(R"({"id":"1","event_type":"X","resource":{"algorithm":"A","ciphertext":"c"}})");
  REQUIRE_FALSE(no_nonce.ok());
  CHECK(no_nonce.error().field == "resource.nonce");
}

TEST_CASE("a fund-returned resource decodes its detail and round-trips") {
  auto f = decode_fund_returned(R"({"recharge_returned_id":"10171652448612345612345678","sp_mchid":"1900001109",)"
                                R"("sub_mchid":"1900001121","out_recharge_no":"cz1","recharge_id":"100000202405180012345678",)"
                                R"("recharge_channel":"BANK_TRANSFER","detail":{"bank_name":"中国银行","bank_card_tail":"0722",)"
                                R"("bank_account_name":"某某某有限公司","amount":500000,"currency":"CNY","memo":"附言",)"
                                R"("return_time":"2026-11-23T17:30:00+08:00","return_reason":"充值金额与充值单要求不一致"}})");
  REQUIRE(f.ok());
  CHECK(f->recharge_returned_id == "10171652448612345612345678");
  CHECK(f->recharge_channel.value == RechargeChannel::bank_transfer);
  REQUIRE(f->amount.has_value());
  CHECK(*f->amount == Amount{500000, "CNY"});
  CHECK(f->bank_name == "中国银行");
  CHECK(f->return_reason == "充值金额与充值单要求不一致");
  CHECK(time_text(f->return_time) == "2026-11-23T17:30:00+08:00");
  const auto back = decode_fund_returned(encode(*f));
  REQUIRE(back.ok());
  CHECK(encode(*back) == encode(*f));
  auto no_detail = decode_fund_returned(R"({"recharge_returned_id":"1","sp_mchid":"1","sub_mchid":"2",)"
                                        R"("out_recharge_no":"A","recharge_id":"R","recharge_channel":"ONLINE_BANK"})");
  REQUIRE(no_detail.ok());
  CHECK_FALSE(no_detail->amount.has_value());
}
