// The deliverer against a real endpoint (http::Server on 127.0.0.1) and a real SQLite file: signed messages,
// per-order order, retries with the same webhook-id, and secret files refused before anything runs.
#include "http/server.hpp"
#include "storage/sqlite_order_store.hpp"
#include "storage/sqlite_webhook_store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "webhooks/deliverer.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace recharged::test {
namespace {

using namespace std::chrono_literals;
using orders::OrderState;

config::WebhookConfig endpoint_config(const std::filesystem::path& secret_file, int port) {
  config::WebhookConfig w;
  w.name = "backoffice";
  w.base = http::parse_base_url("http://127.0.0.1:" + std::to_string(port), "url").value();
  w.target = "/hooks?src=recharged";
  w.secret_file.spec = secret_file.string();
  w.timeout = Millis{2'000};
  return w;
}

struct Received {
  std::string id, timestamp, signature, body;
};

// An endpoint that refuses the first attempt of every message with 500 and records every request.
struct Endpoint {
  http::Server server;
  std::mutex mu;
  std::vector<Received> got;
  int port = 0;

  Endpoint() {
    server.route(http::Method::post, "/hooks", [this](const http::ServerRequest& r) -> http::Response {
      std::lock_guard lock(mu);
      Received x{std::string(r.headers.get("webhook-id").value_or("")),
                 std::string(r.headers.get("webhook-timestamp").value_or("")),
                 std::string(r.headers.get("webhook-signature").value_or("")), r.body};
      const bool first = std::none_of(got.begin(), got.end(), [&](const Received& g) { return g.id == x.id; });
      got.push_back(std::move(x));
      return first ? http::Response{500, {}, "not yet"} : http::Response{204, {}, ""};
    });
    port = server.start("127.0.0.1", 0).value();
  }
  std::vector<Received> copy() {
    std::lock_guard lock(mu);
    return got;
  }
};

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("webhooks", std::make_shared<spdlog::sinks::null_sink_mt>());
}

orders::Order order(const std::string& no) {
  orders::Order o;
  o.out_recharge_no = no;
  o.sub_mchid = "1900000109";
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = 12'345;
  o.currency = "CNY";
  o.notify_url = "https://merchant.example.com/notify";
  o.close_after = SystemClock().now() + 24h;
  return o;
}

storage::OrderUpdate move(std::int64_t id, OrderState from, OrderState to, TimePoint at) {
  storage::OrderUpdate u;
  u.order_id = id;
  u.expect_state = from;
  u.new_state = to;
  u.updated_at = at;
  return u;
}

} // namespace

TEST_CASE("messages are signed, retried with the same webhook-id and body, and one order's arrive in order") {
  TempDir dir;
  auto db = storage::Database::open({dir / "r.db"}, storage::MigrationMode::create).value();
  storage::SqliteOrderStore store(*db);
  auto hooks_db = storage::Database::open({dir / "r.db"}, storage::MigrationMode::require_current).value();
  storage::SqliteWebhookStore hooks(*hooks_db);
  const std::string secret = webhooks::Secret::generate();
  const auto secret_file = dir.write("hook.whsec", "# rotated 2026-12\n" + secret + "\n");
  Endpoint endpoint;
  SystemClock clock;
  webhooks::Deliverer deliverer({endpoint_config(secret_file, endpoint.port)}, hooks, clock, quiet(),
                                webhooks::DelivererOptions{64, 1000, Millis{20}, Millis{600'000}});
  REQUIRE(deliverer.start().ok());

  const auto inserted = store.insert_new(order("WD1"), clock.now()).value();
  REQUIRE(store.commit(std::vector<storage::OrderUpdate>{
                           move(inserted.order.id, OrderState::new_order, OrderState::recharging, clock.now()),
                           move(inserted.order.id, OrderState::recharging, OrderState::success, clock.now())})
              .ok());
  // Each message: one 500, then a retry 5 s (±10 %) later.
  REQUIRE(eventually([&] { return deliverer.counters()["backoffice"].delivered == 2; }, Millis{60'000}));
  deliverer.stop();

  const auto got = endpoint.copy();
  REQUIRE(got.size() == 4);
  const auto secrets = webhooks::load_secrets(endpoint_config(secret_file, endpoint.port)).value();
  std::vector<std::string> types;
  for (const auto& r : got) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    CHECK(webhooks::verify(secrets[0], r.id, r.timestamp, r.body, r.signature, now.count()));
    const auto j = nlohmann::json::parse(r.body);
    CHECK(j["id"] == r.id);
    types.push_back(j["type"].get<std::string>());
  }
  // Attempts: recharging (500), recharging (204), succeeded (500), succeeded (204): the second waited for the first.
  CHECK(types == std::vector<std::string>{"order.recharging", "order.recharging", "order.succeeded", "order.succeeded"});
  CHECK(got[0].body == got[1].body);
  CHECK(got[2].id == got[3].id);
  CHECK(got[0].id != got[2].id);
  const auto counters = deliverer.counters()["backoffice"];
  CHECK(counters.retried == 2);
  CHECK(counters.failed == 0);
  const auto rows = hooks.deliveries("backoffice", "WD1", 10).value();
  REQUIRE(rows.size() == 2);
  for (const auto& r : rows) {
    CHECK(r.state == "delivered");
    CHECK(r.attempts == 2);
    CHECK(r.last_status == 204);
    CHECK(hooks.attempts(r.id).value().size() == 2);
  }
}

TEST_CASE("a secret file others can read, or one holding no or three secrets, is refused by name") {
  TempDir dir;
  const auto ok = webhooks::Secret::generate();
  const auto open_file = dir.write("open.whsec", ok + "\n", std::filesystem::perms::owner_read |
                                                                std::filesystem::perms::owner_write |
                                                                std::filesystem::perms::group_read);
  auto refused = webhooks::load_secrets(endpoint_config(open_file, 1));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("webhooks.backoffice.secret_file") != std::string::npos);

  const auto empty = dir.write("empty.whsec", "# nothing yet\n\n");
  CHECK_FALSE(webhooks::load_secrets(endpoint_config(empty, 1)).ok());
  const auto three = dir.write("three.whsec", ok + "\n" + ok + "\n" + ok + "\n");
  CHECK_FALSE(webhooks::load_secrets(endpoint_config(three, 1)).ok());
  const auto bad = dir.write("bad.whsec", "not-a-secret\n");
  auto bad_result = webhooks::load_secrets(endpoint_config(bad, 1));
  REQUIRE_FALSE(bad_result.ok());
  CHECK(bad_result.error().message.find("whsec_") != std::string::npos);
  CHECK(bad_result.error().message.find("not-a-secret") == std::string::npos); // never echo a secret
  const auto two = dir.write("two.whsec", ok + "\n" + webhooks::Secret::generate() + "\n");
  CHECK(webhooks::load_secrets(endpoint_config(two, 1)).value().size() == 2);
}


TEST_CASE("an endpoint that answers too late, or resets the connection, has the message retried, never lost") {
  TempDir dir;
  auto db = storage::Database::open({dir / "r.db"}, storage::MigrationMode::create).value();
  storage::SqliteOrderStore store(*db);
  auto hooks_db = storage::Database::open({dir / "r.db"}, storage::MigrationMode::require_current).value();
  storage::SqliteWebhookStore hooks(*hooks_db);
  const auto secret_file = dir.write("hook.whsec", webhooks::Secret::generate() + "\n");

  // "slow" answers its first request after the deliverer's 300 ms timeout, then at once.
  http::Server slow;
  std::atomic<int> slow_requests{0};
  slow.route(http::Method::post, "/hooks", [&](const http::ServerRequest&) -> http::Response {
    if (slow_requests++ == 0) std::this_thread::sleep_for(std::chrono::milliseconds{1'500}); // the fault itself
    return {204, {}, ""};
  });
  auto slow_config = endpoint_config(secret_file, slow.start("127.0.0.1", 0).value());
  slow_config.name = "slow";
  slow_config.timeout = Millis{300};

  // "reset" accepts connections and closes them without an answer.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  std::atomic<bool> closing{false};
  std::thread resetter([&] {
    while (!closing) {
      const int c = ::accept(listener, nullptr, nullptr);
      if (c < 0) break;
      linger hard{1, 0}; // close with RST
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      ::close(c);
    }
  });
  auto reset_config = endpoint_config(secret_file, ntohs(addr.sin_port));
  reset_config.name = "reset";

  SystemClock clock;
  webhooks::Deliverer deliverer({slow_config, reset_config}, hooks, clock, quiet(),
                                webhooks::DelivererOptions{64, 1000, Millis{20}, Millis{600'000}});
  REQUIRE(deliverer.start().ok());
  const auto inserted = store.insert_new(order("WD2"), clock.now()).value();
  REQUIRE(store.commit_one(move(inserted.order.id, OrderState::new_order, OrderState::recharging, clock.now())).value());

  // The slow endpoint: the first attempt timed out, the retry (5 s later) was delivered, with the same webhook-id.
  REQUIRE(eventually([&] { return deliverer.counters()["slow"].delivered == 1; }, Millis{60'000}));
  const auto slow_rows = hooks.deliveries("slow", "WD2", 10).value();
  REQUIRE(slow_rows.size() == 1);
  CHECK(slow_rows[0].attempts == 2);
  const auto slow_attempts = hooks.attempts(slow_rows[0].id).value();
  REQUIRE(slow_attempts.size() == 2);
  CHECK(slow_attempts[0].status == 0);
  CHECK_FALSE(slow_attempts[0].error.empty());
  CHECK(slow_attempts[1].status == 204);
  // The resetting endpoint: every attempt failed and was recorded; the message waits for its next try.
  REQUIRE(eventually([&] { return deliverer.counters()["reset"].retried >= 1; }, Millis{60'000}));
  const auto reset_rows = hooks.deliveries("reset", "WD2", 10).value();
  REQUIRE(reset_rows.size() == 1);
  CHECK(reset_rows[0].state == "pending");
  CHECK(reset_rows[0].next_attempt_at.has_value());
  CHECK(reset_rows[0].last_status == 0);
  CHECK_FALSE(reset_rows[0].last_error.empty());
  deliverer.stop();
  closing = true;
  ::shutdown(listener, SHUT_RDWR);
  ::close(listener);
  resetter.join();
}

} // namespace recharged::test
