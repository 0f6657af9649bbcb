#include "bench/efficiency/order_generator.hpp"
#include "bench/efficiency/workload.hpp"
#include "tests/unit/bench/efficiency/efficiency_fixtures.hpp"
#include "sandbox/apply_rules.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace recharged;
using namespace recharged::bench::efficiency;
using recharged::test::efficiency::sh;
using recharged::test::efficiency::tiny_workload;
using sandbox::RechargeChannel;
using namespace std::chrono_literals;

namespace {

std::filesystem::path workloads() { return std::filesystem::path(RECHARGED_SOURCE_DIR) / "bench/workloads"; }

std::string error_of(std::string_view text) {
  auto w = parse_workload(text, "w.json");
  REQUIRE_FALSE(w.ok());
  return w.error().message;
}

} // namespace

TEST_CASE("every committed workload file loads and spans a holiday") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(workloads())) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    CAPTURE(entry.path());
    auto w = load_workload(entry.path());
    REQUIRE(w.ok());
    CHECK(w->orders > 0);
    CHECK(w->notifications_lost == 1.0);
  }
  CHECK(files >= 1);
  auto def = load_workload(workloads() / "default.json");
  REQUIRE(def.ok());
  REQUIRE_FALSE(def->periods.empty());
  CHECK(def->periods.front().start < sh("2026-10-01T00:00:00"));
  CHECK(def->periods.front().start + std::chrono::days{def->periods.front().days + 7} > sh("2026-10-07T00:00:00"));
}

TEST_CASE("a workload printed as JSON reads back the same") {
  const Workload w = tiny_workload();
  auto again = parse_workload(workload_json(w), "again");
  REQUIRE(again.ok());
  CHECK(workload_json(*again) == workload_json(w));
  CHECK(again->payers.bank_later == doctest::Approx(0.5));
  CHECK(again->payers.qr_delay == 3min);
  CHECK(again->offers.size() == 4);
}

TEST_CASE("a workload with an unknown key or a bad value is refused with the key named") {
  const std::string period = R"("apply": {"periods": [{"start": "2026-09-29T00:00:00+08:00", "days": 2}]})";
  CHECK(error_of("{" + period + R"(, "oders": 10})").find("oders") != std::string::npos);
  CHECK(error_of("{" + period + R"(, "payers": {"qr": {"median_delay": "soon"}}})").find("payers.qr.median_delay") !=
        std::string::npos);
  CHECK(error_of("{" + period + R"(, "payers": {"never": 1.5}})").find("payers.never") != std::string::npos);
  CHECK(error_of("{" + period + R"(, "notifications": {"lost": 1.5}})").find("notifications.lost") !=
        std::string::npos);
  CHECK(error_of("{" + period + R"(, "notifications": {"outage": {"start": "noon"}}})")
            .find("notifications.outage.start") != std::string::npos);
  CHECK(error_of("{" + period + R"(, "notifications": {"outage": {"start": "2026-09-29T10:00:00+08:00", "length": "0s"}}})")
            .find("notifications.outage.length") != std::string::npos);
  CHECK(error_of("{" + period + R"(, "channel_offers": [{"share": 1, "channels": ["CASH"]}]})").find("CASH") !=
        std::string::npos);
  CHECK(error_of(R"({"orders": 10})").find("apply.periods") != std::string::npos);
  CHECK(error_of(R"({"apply": {"periods": [{"start": "yesterday"}]}})").find("apply.periods[0].start") !=
        std::string::npos);
  CHECK(error_of("{" + period + R"(, "amount_yuan": {"min": "500"}})").find("amount_yuan.min") != std::string::npos);
  CHECK(error_of("not json").find("not valid JSON") != std::string::npos);
}

TEST_CASE("generated orders follow the workload: inside the periods, in apply order, channel shares, QR cap") {
  Workload w = tiny_workload(1000, 21);
  w.amount_min = 4'000'000; // 4万元 to 10万元: QR-only orders are capped at 5万元
  w.amount_max = 10'000'000;
  const auto orders = generate_orders(w);
  REQUIRE(orders.size() == 1000);
  int bank_only = 0;
  int daytime = 0;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    if (i > 0) CHECK(orders[i - 1].apply_at <= o.apply_at);
    CHECK(o.apply_at >= sh("2026-09-29T00:00:00"));
    CHECK(o.apply_at < sh("2026-10-01T00:00:00"));
    const bool qr_only = o.channels.size() == 1 && o.channels.front() == RechargeChannel::qr_recharge;
    CHECK(o.amount <= (qr_only ? sandbox::k_qr_limit : w.amount_max));
    CHECK(o.amount % 100 == 0);
    if (o.channels.size() == 1 && o.channels.front() == RechargeChannel::bank_transfer) ++bank_only;
    const Millis local = (o.apply_at + k_shanghai_offset).time_since_epoch() % std::chrono::days{1};
    if (local >= 8h && local < 22h) ++daytime;
  }
  CHECK(bank_only > 150); // share 0.2
  CHECK(bank_only < 250);
  CHECK(daytime > 800);   // 80% moved into daytime, plus the daytime part of the rest
  const auto again = generate_orders(w);
  CHECK(again.front().out_recharge_no == orders.front().out_recharge_no);
  CHECK(again.back().apply_at == orders.back().apply_at);
}

TEST_CASE("a workload's notifications: a lost share and an outage of our endpoint, written back as read") {
  const std::string text = R"({"apply": {"periods": [{"start": "2026-09-29T00:00:00+08:00", "days": 2}]},
    "notifications": {"lost": 0.01, "outage": {"start": "2026-09-29T10:00:00+08:00", "length": "2h"}}})";
  auto w = parse_workload(text, "push");
  REQUIRE(w.ok());
  CHECK(w->notifications_lost == doctest::Approx(0.01));
  CHECK(w->outage_start == parse_rfc3339("2026-09-29T10:00:00+08:00").value());
  CHECK(w->outage_length == 2h);
  auto again = parse_workload(workload_json(*w), "again");
  REQUIRE(again.ok());
  CHECK(workload_json(*again) == workload_json(*w));
}
