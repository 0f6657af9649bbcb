// `recharged backup` against a running daemon while orders are being applied, then the database lost and the
// backup restored (README, "Backups and recovery"): what the restore recovers — every order in the copy, settled
// afterwards as the platform has it — and what it cannot — orders applied after the copy are unknown to it until
// `recharged apply --out-recharge-no NO` with their original values records them again, as the platform has them,
// without a second order at the platform.

#include "storage/backup.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

struct Applied {
  std::string no;
  std::string sub_mchid;
  std::string amount;
};

RigOptions restore_options() {
  RigOptions o;
  o.speed = 300; // a virtual hour in 12 s
  o.sandbox.payers = sandbox::Payers::simulated;
  o.sandbox.seed = 11;
  auto mix = sandbox::parse_payer_mix("never=0.4,qr=0.5,bank=0,online=0.5,qr_delay=5m,online_delay=10m,spread=0.5,"
                                      "returned=0");
  REQUIRE(mix.ok());
  o.sandbox.payer_mix = *mix;
  return o;
}

Applied order_spec(const std::string& prefix, int i) {
  return {prefix + std::to_string(i), "", std::to_string(200 + i) + ".00"};
}

RunResult apply(Rig& rig, const Applied& a) {
  return rig.cli({"apply", "--sub-mchid", a.sub_mchid, "--amount", a.amount, "--out-recharge-no", a.no});
}

std::vector<Applied> apply_batch(Rig& rig, const std::string& prefix, int n) {
  std::vector<Applied> out;
  for (int i = 0; i < n; ++i) {
    Applied a = order_spec(prefix, i);
    a.sub_mchid = rig.sub_mchid(static_cast<std::size_t>(i) % 3);
    const auto r = apply(rig, a);
    INFO(a.no, r.err);
    REQUIRE(r.status.exited(0));
    out.push_back(a);
  }
  return out;
}

std::set<std::string> orders_in(const fs::path& file) {
  auto db = storage::Database::open({file, Millis{2'000}, true}, storage::MigrationMode::require_current);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  storage::SqliteOrderStore store(**db);
  storage::ListFilter f;
  f.limit = 100000;
  auto page = store.list(f);
  REQUIRE(page.ok());
  std::set<std::string> out;
  for (const auto& o : page->orders) out.insert(o.out_recharge_no);
  return out;
}

bool final_as_platform_says(const Rig& rig, const orders::Order& o) {
  const auto t = rig.truth(o.out_recharge_no);
  if (t.deposit.recharge_state == sandbox::RechargeState::success) return o.state == orders::OrderState::success;
  if (t.deposit.recharge_state == sandbox::RechargeState::closed) return o.state == orders::OrderState::closed;
  return false;
}

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (!final_as_platform_says(rig, o)) return false;
  return true;
}

std::string states(const Rig& rig) {
  std::string s;
  for (const auto& o : rig.orders()) s += o.out_recharge_no + "=" + std::string(orders::to_string(o.state)) + " ";
  return s;
}

void stop(Process& daemon) {
  daemon.send(SIGTERM);
  const auto ended = daemon.wait_for(Millis{15'000});
  REQUIRE(ended);
  CHECK(ended->exited(0));
}

} // namespace

TEST_CASE("a backup taken mid-run restores every order it holds; orders applied after it are recovered by re-applying "
          "them, never applied twice") {
  Rig rig(restore_options());
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  rig.write_config();
  const fs::path backups = rig.dir() / "backups";
  fs::create_directory(backups);
  auto daemon = rig.start_daemon();

  // Before the backup: these are in it.
  const auto before = apply_batch(rig, "BKBEFORE", 6);
  // During the backup, applies go on: each lands on one side of the snapshot.
  std::vector<Applied> during;
  std::atomic<int> during_done{0};
  std::thread applier([&] {
    for (int i = 0; i < 6; ++i) {
      Applied a = order_spec("BKDURING", i);
      a.sub_mchid = rig.sub_mchid(static_cast<std::size_t>(i) % 3);
      const auto r = apply(rig, a);
      CHECK_MESSAGE(r.status.exited(0), a.no, r.err);
      during.push_back(a);
      ++during_done;
    }
  });
  REQUIRE(eventually([&] { return during_done >= 2; }, Millis{30'000}));
  const int applied_before_backup = during_done;
  const auto taken = rig.cli({"backup", backups.string(), "--keep", "2", "--json"});
  applier.join();
  INFO(taken.err);
  REQUIRE(taken.status.exited(0));
  const auto report = nlohmann::json::parse(taken.out);
  const fs::path copy = report.at("file").get<std::string>();
  CHECK(report.at("integrity_check") == "ok");
  CHECK(report.at("schema_version") == storage::Database::latest_version());
  CHECK(copy.parent_path() == backups);
  // After the backup: none of these are in it.
  const auto after = apply_batch(rig, "BKAFTER", 5);

  const std::set<std::string> in_copy = orders_in(copy);
  CHECK(static_cast<std::int64_t>(in_copy.size()) == report.at("tables").at("orders").get<std::int64_t>());
  for (const auto& a : before) CHECK_MESSAGE(in_copy.count(a.no) == 1, a.no);
  for (int i = 0; i < applied_before_backup; ++i) CHECK_MESSAGE(in_copy.count(during[i].no) == 1, during[i].no);
  for (const auto& a : after) CHECK_MESSAGE(in_copy.count(a.no) == 0, a.no);
  std::vector<Applied> lost = after; // what the restored database will not know
  for (const auto& a : during)
    if (in_copy.count(a.no) == 0) lost.push_back(a);
  MESSAGE(in_copy.size(), " orders in the backup, ", lost.size(), " applied after its recovery point ",
          report.at("recovery_point").get<std::string>());

  // Let the platform move on (payments land) before the database is lost.
  (void)eventually([&] { return rig.platform().counters().success > 0; }, Millis{30'000}, Millis{200});
  // How README says to find them afterwards: the daemon polled each, so its log names each by number.
  for (const auto& a : lost) CHECK_MESSAGE(rig.wait_for_log("out_recharge_no=" + a.no, Millis{60'000}), a.no);
  stop(*daemon);

  // The database is lost; restore the backup as README says: the file, and no -wal/-shm of the old one.
  const fs::path db = rig.database_path();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  fs::copy_file(copy, db);
  const auto checked = rig.cli({"check"});
  INFO(checked.out, checked.err);
  CHECK(checked.status.exited(0));

  daemon = rig.start_daemon();
  // What the restore recovers: every order in the copy ends as the platform has it, its later changes found by query.
  const bool settled = eventually([&] { return all_final(rig); }, Millis{120'000}, Millis{250});
  INFO(states(rig));
  REQUIRE(settled);
  CHECK(rig.orders().size() == in_copy.size());
  for (const auto& no : in_copy) CHECK_MESSAGE(rig.truth(no).applies == 1, no);

  // What it cannot: the orders applied after the copy are unknown locally, though the platform has each of them.
  const auto platform_orders = rig.platform().orders().size();
  for (const auto& a : lost) {
    CHECK_MESSAGE(!rig.order(a.no), a.no);
    CHECK(rig.truth(a.no).applies == 1);
  }

  // Re-applying each with its original values records it as the platform has it; the platform refuses the
  // second apply as a duplicate and creates nothing new.
  const auto duplicates_before = rig.platform().counters().duplicate_applies;
  for (const auto& a : lost) {
    const auto r = apply(rig, a);
    INFO(a.no, " exit ", to_string(r.status), ": ", r.err);
    const auto local = rig.order(a.no);
    REQUIRE(local);
    const auto truth = rig.truth(a.no);
    CHECK(local->recharge_id == truth.deposit.recharge_id);
    CHECK(local->amount == truth.deposit.recharge_amount.amount);
    CHECK(local->platform_state == sandbox::to_string(truth.deposit.recharge_state));
    CHECK(local->recharge_url.empty()); // the platform gives the link to the first apply only
    CHECK(truth.applies == 2);
    // Exit 8 (needs a human): the order is at WeChat Pay but its link was never recorded, and the message says so.
    CHECK(r.status.exited(8));
    CHECK(r.err.find("is " + local->platform_state + " at WeChat Pay, but its recharge_url was never recorded") !=
          std::string::npos);
  }
  CHECK(rig.platform().orders().size() == platform_orders);
  CHECK(rig.platform().counters().duplicate_applies == duplicates_before + lost.size());

  // From then on the daemon polls and closes them like any other.
  const bool recovered = eventually([&] { return all_final(rig); }, Millis{120'000}, Millis{250});
  INFO(states(rig));
  CHECK(recovered);
  CHECK(rig.orders().size() == in_copy.size() + lost.size());
  stop(*daemon);

  // --keep 2: a second and a third backup leave the newest two.
  for (int i = 0; i < 2; ++i) REQUIRE(rig.cli({"backup", backups.string(), "--keep", "2"}).status.exited(0));
  CHECK(storage::list_backups(backups, db).size() == 2);
  CHECK_FALSE(fs::exists(copy));
}

TEST_CASE("backup refuses a missing database (exit 6) and a DEST that is not a directory (exit 2), creating nothing") {
  Rig rig;
  rig.config().create_database = false;
  rig.write_config();
  const auto missing = rig.cli({"backup", rig.dir().path().string()});
  CHECK(missing.status.exited(6));
  CHECK(missing.err.find("does not exist") != std::string::npos);
  CHECK_FALSE(fs::exists(rig.database_path()));
  CHECK(storage::list_backups(rig.dir().path(), rig.database_path()).empty());

  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  const auto nowhere = rig.cli({"backup", (rig.dir() / "nowhere").string()});
  CHECK(nowhere.status.exited(2));
  CHECK(nowhere.err.find("nowhere") != std::string::npos);
  CHECK(rig.cli({"backup", rig.dir().path().string(), "--keep", "0"}).status.exited(2));
}
