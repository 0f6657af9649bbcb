// bench_seed: puts open orders where the daemon will find them.
//   apply     applies N orders through the real engine (write-ahead row, signed apply, verified answer,
//             recorded) against the platform of the config — the sandbox — from a few threads.
//   make-due  moves the next poll of the open orders whose number starts with a prefix into the recent past,
//             as if the daemon had been down: a due backlog of orders the platform knows. Other open orders
//             (generated ones the sandbox has never seen) are deferred out of the run's way.
// Prints one JSON object.

#include "bench/support/sqlite_handle.hpp"
#include "cli/context.hpp"
#include "core/clock.hpp"
#include "wxpay/models.hpp"

#include <CLI/CLI.hpp>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

namespace recharged::bench {
namespace {

using json = nlohmann::json;

struct ApplyArgs {
  std::string config;
  int orders = 1000;
  int threads = 4;
  std::string prefix = "BK";
  std::vector<std::string> channels;
};

struct DueArgs {
  std::string db;
  std::string prefix = "BK";
  double spread_seconds = 300;
  double quiet_seconds = 3600;
};

std::string order_number(const std::string& prefix, int i) {
  std::string digits = std::to_string(i);
  return prefix + std::string(digits.size() < 9 ? 9 - digits.size() : 0, '0') + digits;
}

wxpay::ApplyRequest request_for(const ApplyArgs& a, const config::Config& cfg, int i) {
  static const char* const k_subs[] = {"1900000101", "1900000102", "1900000103"};
  wxpay::ApplyRequest r;
  r.sub_mchid = k_subs[i % 3];
  r.out_recharge_no = order_number(a.prefix, i);
  r.recharge_amount.amount = 100 + (static_cast<Fen>(i) * 7919) % 5'000'000;
  r.recharge_amount.currency = "CNY";
  r.recharge_scene = wxpay::Known<wxpay::RechargeScene>::from_text(cfg.apply.recharge_scene);
  r.account_type = wxpay::Known<wxpay::AccountType>::from_text(cfg.apply.account_type);
  for (const auto& c : a.channels) r.available_recharge_channels.push_back(wxpay::Known<wxpay::RechargeChannel>::from_text(c));
  r.notify_url = cfg.apply.notify_url;
  return r;
}

int run_apply(const ApplyArgs& a) {
  cli::GlobalOptions global;
  global.config_path = a.config;
  auto ctx = cli::Context::open(global, cli::Needs::platform);
  if (!ctx) {
    std::cerr << "bench_seed: error: " << ctx.error().message << "\n";
    return 1;
  }
  std::atomic<int> next{0}, applied{0}, failed{0};
  std::string first_error;
  std::mutex mu;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < a.threads; ++t)
    workers.emplace_back([&] {
      for (int i = next++; i < a.orders; i = next++) {
        auto order = (*ctx)->service->apply(request_for(a, (*ctx)->config, i));
        if (order && order->state == orders::OrderState::recharging) {
          ++applied;
          continue;
        }
        ++failed;
        std::lock_guard lock(mu);
        if (first_error.empty()) first_error = order ? "ended " + std::string(orders::to_string(order->state)) : order.error().message;
      }
    });
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json out{{"applied", applied.load()}, {"failed", failed.load()}, {"seconds", seconds}};
  if (!first_error.empty()) out["first_error"] = first_error;
  std::cout << out.dump() << "\n";
  return failed.load() == 0 ? 0 : 1;
}

// Moves the next polls of the prefix's open orders to between `spread_seconds` and 1 s ago (by id), as after
// an outage; every other open order due within the quiet horizon is deferred past it, so that the backlog is
// exactly the orders the platform knows.
Status make_due(const DueArgs& a, json& out) {
  RECHARGED_TRY(SqliteHandle db, SqliteHandle::open(a.db, SqliteHandle::Mode::read_write));
  const auto now = static_cast<std::int64_t>(unix_seconds(SystemClock{}.now()));
  RECHARGED_CHECK(db.exec("BEGIN IMMEDIATE"));
  RECHARGED_TRY(SqliteStatement defer,
                SqliteStatement::prepare(db, "UPDATE orders SET next_poll_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?1, "
                                             "'unixepoch', '+' || (?2 + id % 3600) || ' seconds') "
                                             "WHERE next_poll_at IS NOT NULL AND next_poll_at < strftime("
                                             "'%Y-%m-%dT%H:%M:%fZ', ?1, 'unixepoch', '+' || ?2 || ' seconds') "
                                             "AND NOT (out_recharge_no >= ?3 AND out_recharge_no < ?4)"));
  defer.bind(1, now);
  defer.bind(2, static_cast<std::int64_t>(a.quiet_seconds));
  defer.bind(3, a.prefix);
  defer.bind(4, a.prefix + "~");
  RECHARGED_CHECK(defer.run());
  const auto deferred = sqlite3_changes(db.native());
  RECHARGED_TRY(SqliteStatement update,
                SqliteStatement::prepare(db, "UPDATE orders SET next_poll_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?3, "
                                             "'unixepoch', '-' || (1 + id % ?4) || ' seconds') "
                                             "WHERE out_recharge_no >= ?1 AND out_recharge_no < ?2 "
                                             "AND state IN ('NEW', 'RECHARGING', 'CLOSING')"));
  update.bind(1, a.prefix);
  update.bind(2, a.prefix + "~");
  update.bind(3, now);
  update.bind(4, std::max<std::int64_t>(static_cast<std::int64_t>(a.spread_seconds), 1));
  RECHARGED_CHECK(update.run());
  const auto due = sqlite3_changes(db.native());
  RECHARGED_CHECK(db.exec("COMMIT"));
  out = json{{"due", due}, {"deferred", deferred}};
  return {};
}

} // namespace
} // namespace recharged::bench

int main(int argc, char** argv) {
  using namespace recharged::bench;
  ApplyArgs apply;
  DueArgs due;
  CLI::App app{"Seed open orders for the benchmarks"};
  app.require_subcommand(1, 1);
  auto* a = app.add_subcommand("apply", "Apply N orders through the engine against the configured platform");
  a->add_option("-c,--config", apply.config, "recharged config (the sandbox's)")->required();
  a->add_option("--orders", apply.orders, "How many orders");
  a->add_option("--threads", apply.threads, "Parallel appliers");
  a->add_option("--prefix", apply.prefix, "out_recharge_no prefix ([0-9A-Za-z])");
  a->add_option("--channel", apply.channels, "Allowed channel, repeatable (default: all)");
  auto* d = app.add_subcommand("make-due", "Make the prefix's open orders the due backlog; defer every other open order");
  d->add_option("--db", due.db, "The database")->required();
  d->add_option("--prefix", due.prefix, "out_recharge_no prefix");
  d->add_option("--spread", due.spread_seconds, "Seconds over which the backlog became due");
  d->add_option("--quiet", due.quiet_seconds, "Other open orders due sooner than this many seconds are deferred past it");
  CLI11_PARSE(app, argc, argv);
  if (a->parsed()) return run_apply(apply);
  nlohmann::json out;
  if (auto done = make_due(due, out); !done) {
    std::cerr << "bench_seed: error: " << done.error().message << "\n";
    return 1;
  }
  std::cout << out.dump() << "\n";
  return 0;
}
