// `recharged show | list | sync | close` as processes against the sandbox platform and a real SQLite file.

#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <thread>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;

namespace {

void apply_order(Rig& rig, const std::string& no, std::size_t sub = 0, const std::string& amount = "100.00") {
  const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(sub), "--amount", amount, "--out-recharge-no", no});
  INFO(r.err);
  REQUIRE(r.status.exited(0));
}

void pay_now(Rig& rig, const std::string& no) {
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(rig.platform().pay_now(no, pay).ok());
}

std::vector<std::string> numbers(const json& list) {
  std::vector<std::string> out;
  for (const auto& o : list) out.push_back(o["out_recharge_no"]);
  return out;
}

} // namespace

TEST_CASE("show prints the order and its full timeline, as text and as JSON") {
  Rig rig;
  apply_order(rig, "CLISHOW1");
  pay_now(rig, "CLISHOW1");
  REQUIRE(rig.cli({"sync", "CLISHOW1"}).status.exited(0));

  const auto text = rig.cli({"show", "CLISHOW1"});
  INFO(text.err);
  REQUIRE(text.status.exited(0));
  CHECK(text.out.find("order        CLISHOW1  (sub-merchant " + rig.sub_mchid() + ")") != std::string::npos);
  CHECK(text.out.find("state        SUCCESS  (platform: SUCCESS)") != std::string::npos);
  CHECK(text.out.find("(paid by QR_RECHARGE)") != std::string::npos);
  CHECK(text.out.find("timeline") != std::string::npos);
  CHECK(text.out.find("apply  NEW → RECHARGING  apply HTTP 200") != std::string::npos);
  CHECK(text.out.find("operator  RECHARGING → SUCCESS  query HTTP 200") != std::string::npos);

  const auto js = rig.cli({"show", "CLISHOW1", "--json"});
  REQUIRE(js.status.exited(0));
  const json j = json::parse(js.out);
  CHECK(j["state"] == "SUCCESS");
  CHECK(j["recharge_channel"] == "QR_RECHARGE");
  const auto& events = j["events"];
  const auto stored = rig.events("CLISHOW1");
  REQUIRE(events.size() == stored.size());
  REQUIRE(events.size() >= 3);
  CHECK(events[0]["kind"] == "created");
  CHECK(events[1]["old_state"] == "NEW");
  CHECK(events[1]["new_state"] == "RECHARGING");
  CHECK(events[1]["endpoint"] == "apply");
  CHECK(events[1]["http_status"] == 200);
  CHECK_FALSE(events[1]["request_id"].get<std::string>().empty());
  CHECK(events[1]["evidence"]["recharge_url"] == j["recharge_url"]);
  CHECK(events.back()["new_state"] == "SUCCESS");
  CHECK(events.back()["source"] == "operator");
  CHECK(events.back()["evidence"]["recharge_state"] == "SUCCESS");
}

TEST_CASE("list filters by state, sub-merchant, creation time and limit, newest first") {
  Rig rig;
  apply_order(rig, "CLILIST1");
  apply_order(rig, "CLILIST2", 1);
  // Creation times on either side of `between`, at the stored resolution (milliseconds): wait for the clock to
  // pass each instant rather than for a guessed time.
  const auto past = [](TimePoint t) {
    while (SystemClock{}.now() <= t + std::chrono::milliseconds{1}) std::this_thread::yield();
  };
  past(SystemClock{}.now());
  const TimePoint middle = SystemClock{}.now();
  const std::string between = format_utc(middle);
  past(middle);
  apply_order(rig, "CLILIST3");
  pay_now(rig, "CLILIST3");
  REQUIRE(rig.cli({"sync", "CLILIST3"}).status.exited(0));
  REQUIRE(rig.cli({"apply", "--sub-mchid", "1900000999", "--amount", "1.00", "--out-recharge-no", "CLILIST4"})
              .status.exited(4));

  auto list = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "list");
    args.emplace_back("--json");
    const auto r = rig.cli(args);
    INFO(r.err);
    REQUIRE(r.status.exited(0));
    const json page = json::parse(r.out);
    CHECK(page.contains("next_cursor"));
    return numbers(page["orders"]);
  };
  using V = std::vector<std::string>;
  CHECK(list({}) == V{"CLILIST4", "CLILIST3", "CLILIST2", "CLILIST1"});
  CHECK(list({"--state", "RECHARGING"}) == V{"CLILIST2", "CLILIST1"});
  CHECK(list({"--state", "SUCCESS", "--state", "REJECTED"}) == V{"CLILIST4", "CLILIST3"});
  CHECK(list({"--sub-mchid", rig.sub_mchid(1)}) == V{"CLILIST2"});
  CHECK(list({"--since", between}) == V{"CLILIST4", "CLILIST3"});
  CHECK(list({"--until", between}) == V{"CLILIST2", "CLILIST1"});
  CHECK(list({"--since", "1h"}).size() == 4);
  CHECK(list({"--limit", "2"}) == V{"CLILIST4", "CLILIST3"});
  CHECK(list({"--sub-mchid", rig.sub_mchid(), "--state", "RECHARGING"}) == V{"CLILIST1"});

  const auto table = rig.cli({"list"});
  REQUIRE(table.status.exited(0));
  CHECK(table.out.starts_with("OUT_RECHARGE_NO"));
  CHECK(table.out.find("CLILIST3") != std::string::npos);

  const auto bad = rig.cli({"list", "--state", "PAID"});
  CHECK(bad.status.exited(2));
  CHECK(bad.err.find("--state") != std::string::npos);
}

TEST_CASE("sync queries the platform now and records its answer") {
  Rig rig;
  apply_order(rig, "CLISYNC1");
  const auto queries = rig.truth("CLISYNC1").queries;

  const auto unpaid = rig.cli({"sync", "CLISYNC1", "--json"});
  REQUIRE(unpaid.status.exited(0));
  CHECK(json::parse(unpaid.out)["state"] == "RECHARGING");

  pay_now(rig, "CLISYNC1");
  const auto paid = rig.cli({"sync", "CLISYNC1", "--json"});
  INFO(paid.err);
  REQUIRE(paid.status.exited(0));
  CHECK(json::parse(paid.out)["state"] == "SUCCESS");
  CHECK(rig.truth("CLISYNC1").queries == queries + 2);
  const auto order = rig.order("CLISYNC1");
  CHECK(order->state == orders::OrderState::success);
  CHECK(order->poll_count == 2);
}

TEST_CASE("close closes an open order, show then says CLOSED, and a second close changes nothing") {
  Rig rig;
  apply_order(rig, "CLICLOSE1");
  const auto closed = rig.cli({"close", "CLICLOSE1"});
  INFO(closed.err);
  REQUIRE(closed.status.exited(0));
  CHECK(closed.out.find("state        CLOSED") != std::string::npos);
  CHECK(rig.truth("CLICLOSE1").deposit.recharge_state == sandbox::RechargeState::closed);
  CHECK(rig.truth("CLICLOSE1").closes == 1);

  const auto shown = rig.cli({"show", "CLICLOSE1"});
  REQUIRE(shown.status.exited(0));
  CHECK(shown.out.find("state        CLOSED  (platform: CLOSED)") != std::string::npos);
  CHECK(shown.out.find("operator  RECHARGING → CLOSING") != std::string::npos);
  CHECK(shown.out.find("CLOSING → CLOSED") != std::string::npos);

  const auto events = rig.events("CLICLOSE1").size();
  const auto calls = rig.platform().counters();
  const auto again = rig.cli({"close", "CLICLOSE1"});
  CHECK(again.status.exited(0));
  CHECK(again.out.find("state        CLOSED") != std::string::npos);
  CHECK(rig.events("CLICLOSE1").size() == events);
  CHECK(rig.platform().counters().closes == calls.closes);
  CHECK(rig.platform().counters().queries == calls.queries);
}

TEST_CASE("close of a paid order records SUCCESS, does not close it, and exits 11 so a script cannot mistake it") {
  Rig rig;
  apply_order(rig, "CLIPAID1");
  pay_now(rig, "CLIPAID1");
  const auto r = rig.cli({"close", "CLIPAID1", "--json"});
  INFO(r.err);
  CHECK(r.status.exited(11));
  CHECK(json::parse(r.out)["state"] == "SUCCESS");
  CHECK(r.err.find("not closed: it is paid") != std::string::npos);
  CHECK(rig.truth("CLIPAID1").closes == 0);
  const auto again = rig.cli({"close", "CLIPAID1"}); // already final: the same answer
  CHECK(again.status.exited(11));
  CHECK(again.err.find("already before this command") != std::string::npos);
}

TEST_CASE("show, sync and close of an unknown order exit 7 and say so") {
  Rig rig;
  apply_order(rig, "CLIKNOWN1");
  for (const char* command : {"show", "sync", "close"}) {
    CAPTURE(command);
    const auto r = rig.cli({command, "CLINOSUCH1"});
    CHECK(r.status.exited(7));
    CHECK(r.err.find("There is no order 'CLINOSUCH1'") != std::string::npos);
  }
  CHECK(rig.orders().size() == 1);
}
