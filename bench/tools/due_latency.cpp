// bench_due: how long OrderStore::due takes to select the next due batch from a database, through the store
// itself (its connection, pragmas and cached statement). The first call after opening is reported apart
// (statement preparation, cold pages); the figure is the median of the calls after it. counts(), which the
// daemon runs for its STATUS line and /metrics, is timed the same way. Prints one JSON object.

#include "bench/support/stats.hpp"
#include "core/clock.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"

#include <CLI/CLI.hpp>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <time.h>

#include <chrono>
#include <iostream>

namespace recharged::bench {
namespace {

using json = nlohmann::json;

struct DueArgs {
  std::string db;
  int limit = 1000;
  int repeat = 25;
};

// This thread's CPU time (user + system), in milliseconds (CLOCK_THREAD_CPUTIME_ID: nanoseconds, where
// getrusage only counts scheduler ticks).
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Timing {
  double wall_ms = 0;
  double cpu_ms = 0;
};

template <class Fn>
Timing timed(Fn&& fn) {
  const double cpu0 = thread_cpu_ms();
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return Timing{std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                thread_cpu_ms() - cpu0};
}

// Times `call` once cold and `repeat` times warm, in wall-clock time and in this thread's CPU time (which a
// busy machine does not inflate); `call` returns false on a storage error.
template <class Call>
Result<json> time_calls(int repeat, Call&& call) {
  bool ok = true;
  const Timing first = timed([&] { ok = call(); });
  std::vector<double> wall, cpu;
  for (int i = 0; i < repeat && ok; ++i) {
    const Timing t = timed([&] { ok = call(); });
    wall.push_back(t.wall_ms);
    cpu.push_back(t.cpu_ms);
  }
  if (!ok) return Error::make(ErrorKind::storage, "due", "The store refused a read.");
  return json{{"first_ms", first.wall_ms}, {"median_ms", median(wall)}, {"p90_ms", quantile(wall, 0.9)},
              {"max_ms", wall.empty() ? 0.0 : *std::max_element(wall.begin(), wall.end())},
              {"cpu_median_ms", median(cpu)}};
}

Result<json> measure(const DueArgs& a) {
  storage::DatabaseOptions options;
  options.path = a.db;
  RECHARGED_TRY(auto db, storage::Database::open(options, storage::MigrationMode::require_current));
  storage::SqliteOrderStore store(*db);
  const TimePoint now = SystemClock{}.now();
  std::size_t rows = 0;
  RECHARGED_TRY(json due, time_calls(a.repeat, [&] {
    auto r = store.due(now, a.limit);
    rows = r ? r->size() : 0;
    return r.ok();
  }));
  due["limit"] = a.limit;
  due["rows"] = rows;
  RECHARGED_TRY(json counts, time_calls(std::max(a.repeat / 5, 3), [&] { return store.counts(now).ok(); }));
  return json{{"due", due}, {"counts", counts}};
}

} // namespace
} // namespace recharged::bench

int main(int argc, char** argv) {
  recharged::bench::DueArgs a;
  CLI::App app{"Time OrderStore::due (and counts) on a database"};
  bool version = false;
  app.add_flag("--sqlite-version", version, "Print the SQLite library version and exit");
  app.add_option("--db", a.db, "The database");
  app.add_option("--limit", a.limit, "Orders per due() call");
  app.add_option("--repeat", a.repeat, "Warm calls to time");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << sqlite3_libversion() << "\n";
    return 0;
  }
  if (a.db.empty()) {
    std::cerr << "bench_due: error: --db is required.\n";
    return 2;
  }
  auto result = recharged::bench::measure(a);
  if (!result) {
    std::cerr << "bench_due: error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->dump() << "\n";
  return 0;
}
