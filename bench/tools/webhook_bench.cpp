// bench_webhooks: the webhook deliverer's lag and backlog drain, with the real store, outbox, deliverer, libcurl
// and an endpoint (http::Server) on 127.0.0.1; prints one JSON object.
//
//   lag     state changes committed one at a time (every --spacing) while the deliverer runs: the time from the
//           commit's return to the endpoint receiving the message (steady clock, one process), p50/p95/p99.
//   drain   --backlog messages recorded while the endpoint was away (the deliverer stopped), then the deliverer
//           started: messages per second until all are delivered, and the state-change commit latency (the
//           pollers' write path) measured meanwhile against the same while idle.
#include "core/clock.hpp"
#include "http/server.hpp"
#include "storage/sqlite_order_store.hpp"
#include "storage/sqlite_webhook_store.hpp"
#include "webhooks/deliverer.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

using namespace recharged;
using Steady = std::chrono::steady_clock;
using orders::OrderState;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Endpoint {
  http::Server server;
  std::mutex mu;
  std::map<std::string, Steady::time_point> received; // webhook-id -> first arrival
  std::atomic<std::size_t> count{0};
  int port = 0;

  Endpoint() {
    server.route(http::Method::post, "/hooks", [this](const http::ServerRequest& r) -> http::Response {
      const auto now = Steady::now();
      std::lock_guard lock(mu);
      if (received.emplace(std::string(r.headers.get("webhook-id").value_or("")), now).second) ++count;
      return {204, {}, ""};
    });
    port = server.start("127.0.0.1", 0).value();
  }
};

orders::Order sample(const std::string& no) {
  orders::Order o;
  o.out_recharge_no = no;
  o.sub_mchid = "1900000109";
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = 50'000;
  o.currency = "CNY";
  o.notify_url = "https://merchant.example.com/notify";
  o.close_after = SystemClock().now() + std::chrono::hours{24};
  return o;
}

storage::OrderUpdate step(std::int64_t id, OrderState from, OrderState to) {
  storage::OrderUpdate u;
  u.order_id = id;
  u.expect_state = from;
  u.new_state = to;
  u.updated_at = SystemClock().now();
  return u;
}

// Commits one state change of a fresh order (NEW → RECHARGING) and returns how long the commit took (ms).
double commit_change(storage::OrderStore& store, const std::string& no) {
  const auto inserted = store.insert_new(sample(no), SystemClock().now()).value();
  const auto t0 = Steady::now();
  if (!store.commit_one(step(inserted.order.id, OrderState::new_order, OrderState::recharging)).value())
    throw std::runtime_error("the guard of " + no + " did not hold");
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_webhooks: webhook lag and backlog drain"};
  std::string dir;
  int changes = 300;
  int spacing_ms = 20;
  int backlog = 10'000;
  app.add_option("--dir", dir, "Scratch directory (the database goes here)")->required();
  app.add_option("--changes", changes, "State changes measured for lag");
  app.add_option("--spacing-ms", spacing_ms, "Time between those changes");
  app.add_option("--backlog", backlog, "Messages waiting when the endpoint comes back");
  CLI11_PARSE(app, argc, argv);

  const auto path = std::filesystem::path(dir) / "webhooks.db";
  std::filesystem::remove(path);
  auto db = storage::Database::open({path}, storage::MigrationMode::create).value();
  storage::SqliteOrderStore store(*db);
  auto hooks_db = storage::Database::open({path}, storage::MigrationMode::require_current).value();
  storage::SqliteWebhookStore hooks(*hooks_db);
  const auto secret_file = std::filesystem::path(dir) / "bench.whsec";
  {
    std::ofstream(secret_file) << webhooks::Secret::generate() << "\n";
    std::filesystem::permissions(secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  Endpoint endpoint;
  config::WebhookConfig w;
  w.name = "bench";
  w.base = http::parse_base_url("http://127.0.0.1:" + std::to_string(endpoint.port), "url").value();
  w.target = "/hooks";
  w.secret_file.spec = secret_file.string();
  SystemClock clock;
  auto log = std::make_shared<spdlog::logger>("webhooks", std::make_shared<spdlog::sinks::null_sink_mt>());

  // Lag: the daemon's default options (idle poll 250 ms).
  std::vector<double> lag_ms, idle_commit_ms;
  {
    webhooks::Deliverer deliverer({w}, hooks, clock, log);
    if (auto s = deliverer.start(); !s) throw std::runtime_error(s.error().message);
    std::vector<std::pair<std::string, Steady::time_point>> sent;
    for (int i = 0; i < changes; ++i) {
      idle_commit_ms.push_back(commit_change(store, "LAG" + std::to_string(i)));
      sent.emplace_back("LAG" + std::to_string(i), Steady::now());
      std::this_thread::sleep_for(std::chrono::milliseconds{spacing_ms});
    }
    while (endpoint.count < static_cast<std::size_t>(changes)) std::this_thread::sleep_for(std::chrono::milliseconds{5});
    deliverer.stop();
    // Feed ids follow commit order: evt_1 … evt_N are the lag changes in the order they were sent.
    std::lock_guard lock(endpoint.mu);
    for (int i = 0; i < changes; ++i) {
      const auto got = endpoint.received.at("evt_" + std::to_string(i + 1));
      lag_ms.push_back(std::chrono::duration<double, std::milli>(got - sent[static_cast<std::size_t>(i)].second).count());
    }
  }

  // Drain: the backlog accumulates with no deliverer running, then one starts.
  for (int i = 0; i < backlog; ++i) {
    const auto inserted = store.insert_new(sample("DRAIN" + std::to_string(i)), SystemClock().now()).value();
    (void)store.commit_one(step(inserted.order.id, OrderState::new_order, OrderState::recharging)).value();
  }
  const std::size_t before = endpoint.count;
  std::vector<double> busy_commit_ms;
  double drain_s = 0; // the probe changes made meanwhile are messages too; they queue behind the backlog
  {
    webhooks::Deliverer deliverer({w}, hooks, clock, log);
    const auto t0 = Steady::now();
    if (auto s = deliverer.start(); !s) throw std::runtime_error(s.error().message);
    // The cursor starts at the end of the feed for a new endpoint, but "bench" was seen by the lag run: its
    // cursor is before the backlog, as for an endpoint that was down.
    int probe = 0;
    const std::string last = "evt_" + std::to_string(changes + backlog); // delivered after every earlier one
    const auto drained = [&] {
      std::lock_guard lock(endpoint.mu);
      return endpoint.count >= before + static_cast<std::size_t>(backlog) && endpoint.received.count(last) == 1;
    };
    while (!drained()) {
      busy_commit_ms.push_back(commit_change(store, "PROBE" + std::to_string(probe++)));
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    drain_s = std::chrono::duration<double>(Steady::now() - t0).count();
    deliverer.stop();
  }

  nlohmann::json out{{"lag_ms", {{"p50", percentile(lag_ms, 0.5)}, {"p95", percentile(lag_ms, 0.95)},
                                 {"p99", percentile(lag_ms, 0.99)}, {"n", lag_ms.size()}}},
                     {"drain", {{"messages", backlog}, {"seconds", drain_s},
                                {"messages_per_s", static_cast<double>(backlog) / drain_s}}},
                     {"commit_ms_idle", {{"p50", percentile(idle_commit_ms, 0.5)}, {"p99", percentile(idle_commit_ms, 0.99)}}},
                     {"commit_ms_draining", {{"p50", percentile(busy_commit_ms, 0.5)}, {"p99", percentile(busy_commit_ms, 0.99)},
                                             {"n", busy_commit_ms.size()}}}};
  std::cout << out.dump() << "\n";
  return 0;
}
