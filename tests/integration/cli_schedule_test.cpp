// `recharged schedule simulate | explain` as processes: the real policy's plans, with their reasons.

#include "schedule/settlement_calendar.hpp"
#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;

namespace {

// The planned calls of a `schedule … --json` answer.
json parse_out(const RunResult& r) {
  INFO(r.err);
  REQUIRE(r.status.exited(0));
  const json doc = json::parse(r.out, nullptr, false);
  REQUIRE(doc.is_object());
  REQUIRE(doc["calls_planned"].is_array());
  REQUIRE_FALSE(doc["calls_planned"].empty());
  return doc["calls_planned"];
}

schedule::SettlementCalendar shipped_calendar() {
  auto cal = schedule::SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
  REQUIRE(cal.ok());
  return std::move(*cal);
}

} // namespace

TEST_CASE("simulate plans a bank-only order from the eve of National Day with no poll in the closed window") {
  Rig rig;
  rig.write_config();
  const auto created = parse_rfc3339("2026-09-30T16:00:00+08:00").value();
  const json plan = parse_out(rig.cli({"schedule", "simulate", "--channel", "BANK_TRANSFER", "--created",
                                       "2026-09-30T16:00:00+08:00", "--json"}));
  const auto cal = shipped_calendar();
  for (const auto& p : plan) {
    const auto at = parse_rfc3339(p["at"].get<std::string>()).value();
    CAPTURE(p.dump());
    CHECK(at > created);
    CHECK(at < created + std::chrono::days{7}); // always before the platform's link expiry
    if (p["action"] == "query") CHECK(cal.interbank_open(at));
    CHECK_FALSE(p["reason"].get<std::string>().empty());
  }
  CHECK(plan.back()["action"] == "close");
}

TEST_CASE("simulate for an order allowing every channel starts with the dense QR window") {
  Rig rig;
  rig.write_config();
  const json plan = parse_out(rig.cli({"schedule", "simulate", "--created", "2026-11-23T10:00:00+08:00", "--json"}));
  REQUIRE(plan.size() > 20);
  CHECK(plan[0]["reason"].get<std::string>().starts_with("qr window"));
  const auto first = parse_rfc3339(plan[0]["at"].get<std::string>()).value();
  CHECK(first - parse_rfc3339("2026-11-23T10:00:00+08:00").value() <= std::chrono::minutes{2});
  CHECK(plan.back()["action"] == "close");
}

TEST_CASE("simulate refuses an unknown channel with exit 2 naming the option") {
  Rig rig;
  rig.write_config();
  const auto r = rig.cli({"schedule", "simulate", "--channel", "CASH"});
  CHECK(r.status.exited(2));
  CHECK(r.err.find("--channel") != std::string::npos);
}

TEST_CASE("explain lists the calls made for an order and the polls planned until its close") {
  Rig rig;
  rig.write_config();
  const auto applied = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "10.00", "--out-recharge-no", "SCHEX1"});
  INFO(applied.err);
  REQUIRE(applied.status.exited(0));
  const auto text = rig.cli({"schedule", "explain", "SCHEX1"});
  REQUIRE(text.status.exited(0));
  CHECK(text.out.find("calls made") != std::string::npos);
  CHECK(text.out.find("apply") != std::string::npos);
  CHECK(text.out.find("calls planned") != std::string::npos);
  const json plan = parse_out(rig.cli({"schedule", "explain", "SCHEX1", "--json"}));
  CHECK(plan.back()["action"] == "close");
  CHECK(rig.cli({"schedule", "explain", "NOSUCHORDER"}).status.exited(7));
}
