// `recharged apply` as a process against the sandbox platform: what it prints, what it records, what the
// platform saw, and how every invalid input is refused before anything is written.

#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;

namespace {

std::vector<std::string> apply_args(const Rig& rig, const std::string& no, const std::string& amount = "100.00") {
  std::vector<std::string> a{"apply", "--sub-mchid", rig.sub_mchid(), "--amount", amount};
  if (!no.empty()) {
    a.emplace_back("--out-recharge-no");
    a.push_back(no);
  }
  return a;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

} // namespace

TEST_CASE("apply prints the recharge_url and records the order RECHARGING at the platform's word") {
  Rig rig;
  const auto r = rig.cli(apply_args(rig, "CLIAPPLY1"));
  INFO(r.err);
  REQUIRE(r.status.exited(0));
  const std::string url = trimmed(r.out);
  CHECK(url.starts_with(rig.platform().config().recharge_url_base));
  CHECK(url.find('\n') == std::string::npos);

  const auto order = rig.order("CLIAPPLY1");
  REQUIRE(order);
  CHECK(order->state == orders::OrderState::recharging);
  CHECK(order->recharge_url == url);
  CHECK(order->amount == 10'000);
  const auto truth = rig.truth("CLIAPPLY1");
  CHECK(truth.applies == 1);
  CHECK(truth.deposit.recharge_id == order->recharge_id);
}

TEST_CASE("apply --json prints the recorded order as JSON") {
  Rig rig;
  auto args = apply_args(rig, "CLIJSON1", "2.50");
  args.emplace_back("--json");
  const auto r = rig.cli(args);
  INFO(r.err);
  REQUIRE(r.status.exited(0));
  const json j = json::parse(r.out);
  CHECK(j["out_recharge_no"] == "CLIJSON1");
  CHECK(j["state"] == "RECHARGING");
  CHECK(j["amount_fen"] == 250);
  CHECK(j["amount"] == "2.50");
  CHECK(j["sub_mchid"] == rig.sub_mchid());
  CHECK(j["recharge_url"] == rig.order("CLIJSON1")->recharge_url);
  CHECK(j["recharge_id"] == rig.truth("CLIJSON1").deposit.recharge_id);
}

TEST_CASE("re-running apply with the same out_recharge_no returns the same order without a second apply") {
  Rig rig;
  const auto first = rig.cli(apply_args(rig, "CLIAGAIN1"));
  REQUIRE(first.status.exited(0));
  const auto second = rig.cli(apply_args(rig, "CLIAGAIN1"));
  INFO(second.err);
  CHECK(second.status.exited(0));
  CHECK(second.out == first.out);
  CHECK(rig.truth("CLIAGAIN1").applies == 1);
  CHECK(rig.platform().counters().apply_calls == 1);
  CHECK(rig.orders().size() == 1);

  SUBCASE("but the same number with a different amount is refused and changes nothing") {
    const auto other = rig.cli(apply_args(rig, "CLIAGAIN1", "200.00"));
    CHECK(other.status.exited(2));
    CHECK(other.err.find("already belongs to a different order") != std::string::npos);
    CHECK(rig.order("CLIAGAIN1")->amount == 10'000);
    CHECK(rig.platform().counters().apply_calls == 1);
  }
}

TEST_CASE("each invalid apply input exits 2, names the field and the rule, and records nothing") {
  struct Case {
    std::vector<std::string> change; // option, value pairs replacing the valid ones
    std::string field;
    std::string rule;
  };
  const std::vector<Case> cases{
      {{"--sub-mchid", "19000001O1"}, "sub_mchid", "1 to 32 digits"},
      {{"--amount", "500"}, "--amount", "a bare number is ambiguous"},
      {{"--amount", "1.234"}, "--amount", "one or two decimals"},
      {{"--amount", "0"}, "--amount", "ambiguous"},
      {{"--amount", "0.00"}, "--amount", "greater than zero"},
      {{"--amount", "0fen"}, "--amount", "greater than zero"},
      {{"--amount", "12,5元"}, "--amount", "only digits and one decimal point"},
      {{"--out-recharge-no", "RC-2026_11!"}, "out_recharge_no", "0-9, A-Z and a-z"},
      {{"--out-recharge-no", std::string(65, 'A')}, "out_recharge_no", "1 to 64 characters"},
      {{"--remark", "一二三四五六七八九十一二三四五六七八九十一"}, "remark", "at most 20 characters"},
      {{"--remark", "充值\xF0\x9F\x98\x80"}, "remark", "emoji"},
      {{"--notify-url", "http://pay.example.com/notify"}, "notify_url", "https://"},
      {{"--channel", "QR_RECHARG"}, "available_recharge_channels", "BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK"},
      {{"--scene", "ECOMMERCE_DEPOSITE"}, "recharge_scene", "ECOMMERCE_DEPOSIT or ECOMMERCE_PAYMENT"},
      {{"--account-type", "DEPOSlT"}, "account_type", "DEPOSIT or OPERATION"},
  };
  Rig rig;
  for (const auto& c : cases) {
    std::vector<std::string> args{"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "100.00", "--out-recharge-no",
                                  "CLIBAD1"};
    for (std::size_t i = 0; i + 1 < c.change.size(); i += 2) {
      auto at = std::find(args.begin(), args.end(), c.change[i]);
      if (at != args.end()) *(at + 1) = c.change[i + 1];
      else args.insert(args.end(), {c.change[i], c.change[i + 1]});
    }
    CAPTURE(c.change[0]);
    CAPTURE(c.change[1]);
    const auto r = rig.cli(args);
    CHECK(r.status.exited(2));
    CHECK(r.out.empty());
    CHECK_MESSAGE(r.err.find(c.field) != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find(c.rule) != std::string::npos, r.err);
  }
  CHECK(rig.orders().empty());
  CHECK(rig.platform().counters().apply_calls == 0);
}

TEST_CASE("an order the platform refuses for good exits 4 and is recorded REJECTED") {
  Rig rig;
  const auto r = rig.cli({"apply", "--sub-mchid", "1900000999", "--amount", "100.00", "--out-recharge-no", "CLIREJ1"});
  CHECK(r.status.exited(4));
  CHECK(r.err.find("refused") != std::string::npos);
  CHECK(r.err.find("入账账户不存在") != std::string::npos);
  const auto order = rig.order("CLIREJ1");
  REQUIRE(order);
  CHECK(order->state == orders::OrderState::rejected);
  CHECK(order->recharge_url.empty());

  SUBCASE("and re-running it does not apply again") {
    const auto again =
        rig.cli({"apply", "--sub-mchid", "1900000999", "--amount", "100.00", "--out-recharge-no", "CLIREJ1"});
    CHECK(again.status.exited(4));
    CHECK(rig.platform().counters().apply_calls == 1);
  }
}

TEST_CASE("amounts written in yuan or in fen reach the platform as the same number of fen") {
  const std::vector<std::pair<std::string, Fen>> cases{
      {"500.00", 50'000}, {"0.5", 50}, {"12345fen", 12'345}, {"1.5yuan", 150}, {"88元", 8'800}, {"7分", 7}};
  Rig rig;
  int n = 0;
  for (const auto& [text, fen] : cases) {
    const std::string no = "CLIAMT" + std::to_string(++n);
    CAPTURE(text);
    const auto r = rig.cli(apply_args(rig, no, text));
    INFO(r.err);
    REQUIRE(r.status.exited(0));
    CHECK(rig.order(no)->amount == fen);
    CHECK(rig.truth(no).deposit.recharge_amount.amount == fen);
  }
}

TEST_CASE("an out_recharge_no left out is generated as <prefix><Shanghai yyyyMMddHHmmss><8 alphanumerics>") {
  Rig rig;
  const TimePoint before = SystemClock{}.now();
  auto args = apply_args(rig, "");
  args.emplace_back("--json");
  const auto r = rig.cli(args);
  INFO(r.err);
  REQUIRE(r.status.exited(0));
  const std::string no = json::parse(r.out)["out_recharge_no"];
  std::smatch m;
  REQUIRE(std::regex_match(no, m, std::regex("RC([0-9]{14})[0-9A-Za-z]{8}")));
  const std::string stamp = m[1].str();
  const std::string rfc = stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + "T" +
                          stamp.substr(8, 2) + ":" + stamp.substr(10, 2) + ":" + stamp.substr(12, 2) + "+08:00";
  const auto when = parse_rfc3339(rfc);
  REQUIRE(when.ok());
  CHECK(*when >= std::chrono::floor<std::chrono::seconds>(before));
  CHECK(*when <= SystemClock{}.now());
  CHECK(rig.truth(no).applies == 1);
}

TEST_CASE("re-applying a SUSPECT order exits 8 and says why it is held, also when the reason is only in its events") {
  Rig rig;
  const auto first = rig.cli(apply_args(rig, "CLISUS1"));
  INFO(first.err);
  REQUIRE(first.status.exited(0));
  sandbox::FaultConfig lying;
  lying.account_type_as = "BASIC"; // the platform now answers with another account type: a mismatch
  rig.sandbox().sandbox().faults().set_config(lying);
  const auto synced = rig.cli({"sync", "CLISUS1"});
  rig.sandbox().sandbox().faults().set_config({});
  INFO(synced.err);
  CHECK(synced.status.exited(8));
  REQUIRE(rig.order("CLISUS1")->state == orders::OrderState::suspect);
  const auto again = rig.cli(apply_args(rig, "CLISUS1"));
  INFO(again.err);
  CHECK(again.status.exited(8));
  CHECK(again.err.find("is SUSPECT: the platform's answer does not match our order: account_type") != std::string::npos);
}
