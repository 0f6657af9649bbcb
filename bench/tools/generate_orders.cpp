// bench_generate: a database of N orders in mixed states and ages, as the daemon would have left it.
// The schema comes from the real migrations (storage::Database); rows are replayed through the engine's own
// recorders (bench/support/order_life.hpp) and written straight through SQLite with synchronous=OFF.
// Prints one JSON object: counts, time taken, size per order and (with --check) the invariant findings.

#include "bench/support/order_mix.hpp"
#include "bench/support/order_writer.hpp"
#include "bench/support/store_check.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "engine/policy_planner.hpp"
#include "schedule/settlement_calendar.hpp"
#include "storage/database.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <iostream>
#include <map>

namespace recharged::bench {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct GenerateArgs {
  std::string db;
  std::string config;
  std::int64_t orders = 10'000;
  double per_day = 2'740;
  std::uint64_t seed = 1;
  std::int64_t check_every = 0; // 0: no check
  bool replace = false;
};

// Open orders are scheduled at least this far past generation, so that a benchmark run right after finds
// due only the backlog it seeds itself (orders the sandbox knows).
constexpr Millis k_quiet_horizon{std::chrono::hours{1}};
// Orders simulated ahead of the writer, and written per transaction.
constexpr std::int64_t k_chunk = 5'000;

struct Setup {
  config::Config config;
  std::unique_ptr<schedule::SettlementCalendar> calendar;
  std::unique_ptr<engine::Planner> planner;
};

Result<Setup> load_setup(const GenerateArgs& a) {
  Setup s;
  if (!a.config.empty()) {
    RECHARGED_TRY(s.config, config::load(a.config));
  } else {
    s.config.merchant.mchid = "1900000001";
  }
  RECHARGED_TRY(auto calendar, schedule::SettlementCalendar::load(s.config.calendar.dirs));
  s.calendar = std::make_unique<schedule::SettlementCalendar>(std::move(calendar));
  s.planner = engine::make_policy_planner(s.config.schedule, *s.calendar);
  return s;
}

Status create_schema(const fs::path& path, bool replace) {
  if (fs::exists(path)) {
    if (!replace) return Error::invalid("--db", "The database '" + path.string() + "' exists; pass --replace.");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }
  storage::DatabaseOptions options;
  options.path = path;
  RECHARGED_TRY(auto db, storage::Database::open(options, storage::MigrationMode::create));
  return {};
}

// Bulk settings for the load only; WAL (the store's mode) is restored afterwards.
Status bulk_mode(SqliteHandle& db) {
  return db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; "
                 "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY");
}

void push_past_horizon(orders::Order& o, TimePoint as_of) {
  if (!o.next_poll_at || *o.next_poll_at >= as_of + k_quiet_horizon) return;
  o.next_poll_at = as_of + k_quiet_horizon + Millis{(o.id * 7919) % 3'600'000};
}

Result<json> generate(const GenerateArgs& a) {
  RECHARGED_TRY(Setup setup, load_setup(a));
  RECHARGED_CHECK(create_schema(a.db, a.replace));
  RECHARGED_TRY(SqliteHandle db, SqliteHandle::open(a.db, SqliteHandle::Mode::read_write));
  RECHARGED_CHECK(bulk_mode(db));
  RECHARGED_TRY(OrderWriter writer, OrderWriter::prepare(db));
  const LifeSimulator life(*setup.planner, setup.config.merchant.mchid);
  const MixOptions mix{a.orders, a.per_day, SystemClock{}.now(), a.seed};
  // Two stages: the next chunk's lives are simulated on a second thread while this one writes.
  auto simulate = [&](std::int64_t first) {
    std::vector<GeneratedOrder> chunk;
    for (std::int64_t n = first; n < std::min(first + k_chunk, a.orders); ++n) {
      chunk.push_back(life.live(draw_plan(mix, n), mix.as_of));
      push_past_horizon(chunk.back().order, mix.as_of);
    }
    return chunk;
  };
  std::map<std::string, std::int64_t> states;
  const auto started = std::chrono::steady_clock::now();
  auto next = std::async(std::launch::async, simulate, std::int64_t{0});
  for (std::int64_t first = 0; first < a.orders; first += k_chunk) {
    const std::vector<GeneratedOrder> chunk = next.get();
    if (first + k_chunk < a.orders) next = std::async(std::launch::async, simulate, first + k_chunk);
    RECHARGED_CHECK(db.exec("BEGIN"));
    for (const auto& g : chunk) {
      ++states[std::string(orders::to_string(g.order.state))];
      RECHARGED_CHECK(writer.write(g));
    }
    RECHARGED_CHECK(db.exec("COMMIT"));
  }
  RECHARGED_CHECK(db.exec("PRAGMA journal_mode = WAL"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RECHARGED_TRY(const auto pages, db.scalar("PRAGMA page_count"));
  RECHARGED_TRY(const auto page_size, db.scalar("PRAGMA page_size"));
  const double bytes = static_cast<double>(pages.value_or(0) * page_size.value_or(0));
  json out{{"orders", a.orders},
           {"events", writer.events_written},
           {"notifications", writer.notifications_written},
           {"states", states},
           {"seconds", seconds},
           {"bytes", bytes},
           {"bytes_per_order", bytes / static_cast<double>(std::max<std::int64_t>(a.orders, 1))},
           {"events_per_order", static_cast<double>(writer.events_written) / static_cast<double>(std::max<std::int64_t>(a.orders, 1))}};
  if (a.check_every > 0) {
    RECHARGED_TRY(const auto findings, check_store(db, a.db, a.check_every));
    json check = json::array();
    bool ok = true;
    for (const auto& f : findings) {
      check.push_back(json{{"invariant", f.invariant}, {"violations", f.violations}});
      ok = ok && f.violations == 0;
    }
    out["check"] = check;
    out["check_ok"] = ok;
  }
  return out;
}

} // namespace
} // namespace recharged::bench

int main(int argc, char** argv) {
  recharged::bench::GenerateArgs a;
  CLI::App app{"Generate a recharged database of N orders in mixed states and ages"};
  app.add_option("--db", a.db, "The database file to create")->required();
  app.add_option("-c,--config", a.config, "A recharged config whose [schedule], [calendar] and merchant to use");
  app.add_option("--orders", a.orders, "How many orders");
  app.add_option("--per-day", a.per_day, "Orders created per day (sets the age span)");
  app.add_option("--seed", a.seed, "Seed of the population");
  app.add_option("--check", a.check_every, "Check the store's invariants and read back every Nth order (0 = no check)");
  app.add_flag("--replace", a.replace, "Replace an existing database file");
  CLI11_PARSE(app, argc, argv);
  auto result = recharged::bench::generate(a);
  if (!result) {
    std::cerr << "bench_generate: error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->dump() << "\n";
  return result->value("check_ok", true) ? 0 : 1;
}
