// Webhooks from the real daemon to real endpoints on 127.0.0.1: an endpoint that fails, goes away and comes back,
// and kill -9 of the daemon while it delivers. Afterwards every recorded feed event reached the endpoint, verified,
// duplicates only with the same webhook-id and body, and each order's messages first arrived in feed order.

#include "http/server.hpp"
#include "tests/integration/rig.hpp"
#include "webhooks/signature.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace recharged;
using namespace recharged::test;

namespace {

// The merchant's endpoint: verifies each message, answers 503 to a share of attempts, records what it accepted.
class Endpoint {
public:
  Endpoint(std::string secret, double refuse_share, std::uint64_t seed)
      : secret_(webhooks::Secret::parse(secret, "test").value()), refuse_share_(refuse_share), rng_(seed) {}

  int start(int port = 0) {
    server_ = std::make_unique<http::Server>();
    server_->route(http::Method::post, "/hooks", [this](const http::ServerRequest& r) { return receive(r); });
    auto bound = server_->start("127.0.0.1", port);
    REQUIRE_MESSAGE(bound.ok(), (bound.ok() ? "" : bound.error().message));
    return *bound;
  }
  void stop() { server_.reset(); }

  struct Accepted {
    std::string id, type, order, body;
  };
  std::vector<Accepted> accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  std::size_t bad_signatures() const {
    std::lock_guard lock(mu_);
    return bad_signatures_;
  }

private:
  http::Response receive(const http::ServerRequest& r) {
    const auto header = [&](const char* name) { return std::string(r.headers.get(name).value_or("")); };
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard lock(mu_);
    if (!webhooks::verify(secret_, header("webhook-id"), header("webhook-timestamp"), r.body,
                          header("webhook-signature"), now)) {
      ++bad_signatures_;
      return {400, {}, "bad signature"};
    }
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < refuse_share_) return {503, {}, "busy"};
    const auto payload = nlohmann::json::parse(r.body);
    accepted_.push_back({header("webhook-id"), payload.at("type").get<std::string>(),
                         payload.at("data").at("order").at("out_recharge_no").get<std::string>(), r.body});
    return {204, {}, ""};
  }

  webhooks::Secret secret_;
  double refuse_share_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  std::vector<Accepted> accepted_;
  std::size_t bad_signatures_ = 0;
  std::unique_ptr<http::Server> server_;
};

struct FeedEvent {
  std::string id, type, order;
};

std::vector<FeedEvent> feed(const Rig& rig) {
  SQLite::Database db(rig.database_path().string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT 'evt_' || f.id, f.type, o.out_recharge_no FROM feed_events f "
                          "JOIN orders o ON o.id = f.order_id ORDER BY f.id");
  std::vector<FeedEvent> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
  return out;
}

RigOptions paying_options(std::uint64_t seed) {
  return paying_rig(seed, "never=0.3,qr=0.5,online=0.3,bank=0.2,qr_delay=3m,online_delay=8m,"
                             "bank_delay=20m,spread=0.3,returned=0");
}

std::string webhook_table(Rig& rig, const std::string& secret, int port) {
  const auto file = rig.dir().write("backoffice.whsec", secret + "\n");
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return "[[webhooks]]\nname = \"backoffice\"\nurl = \"http://127.0.0.1:" + std::to_string(port) +
         "/hooks\"\nsecret_file = \"" + file.string() + "\"\ntimeout = \"2s\"\n";
}

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (o.state != orders::OrderState::success && o.state != orders::OrderState::closed) return false;
  return true;
}

// Every feed event accepted at least once; copies share id and body; per order, first acceptances in feed order.
void check_delivered(const Rig& rig, const Endpoint& endpoint) {
  const auto events = feed(rig);
  const auto got = endpoint.accepted();
  std::map<std::string, std::string> body_of;
  std::map<std::string, std::vector<std::string>> first_order; // order -> ids in first-acceptance order
  for (const auto& a : got) {
    auto [it, fresh] = body_of.emplace(a.id, a.body);
    if (!fresh) CHECK_MESSAGE(it->second == a.body, a.id << " arrived twice with different bodies");
    else first_order[a.order].push_back(a.id);
  }
  std::map<std::string, std::vector<std::string>> feed_order;
  for (const auto& e : events) {
    CAPTURE(e.id);
    CAPTURE(e.type);
    CHECK(body_of.count(e.id) == 1); // none missing
    feed_order[e.order].push_back(e.id);
  }
  CHECK(body_of.size() == events.size()); // nothing that was never recorded
  for (const auto& [order, ids] : feed_order) {
    CAPTURE(order);
    CHECK(first_order[order] == ids);
  }
  CHECK(endpoint.bad_signatures() == 0);
}

// A self-signed certificate for 127.0.0.1 (its own CA), made by the openssl command for this test.
void make_certificate(const std::filesystem::path& cert, const std::filesystem::path& key) {
  ProcessOptions o;
  o.args = {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out", cert.string(),
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"};
  const auto made = run_process("/usr/bin/openssl", o);
  INFO(made.err);
  REQUIRE(made.status.exited(0));
}

// scripts/webhook-receiver serving https with that certificate; returns its port once it listens.
int start_tls_receiver(std::unique_ptr<Process>& receiver, const std::filesystem::path& secret_file,
                       const std::filesystem::path& cert, const std::filesystem::path& key) {
  ProcessOptions o;
  o.args = {(std::filesystem::path(RECHARGED_SOURCE_DIR) / "scripts/webhook-receiver").string(), "--port", "0",
            "--secret-file", secret_file.string(), "--tls-cert", cert.string(), "--tls-key", key.string()};
  receiver = std::make_unique<Process>("/usr/bin/python3", o);
  const std::string prefix = "listening on https://127.0.0.1:";
  REQUIRE(eventually([&] { return receiver->stdout_text().find(prefix) != std::string::npos; }, Millis{30'000}));
  const std::string out = receiver->stdout_text();
  return std::stoi(out.substr(out.find(prefix) + prefix.size()));
}

} // namespace

TEST_CASE("an https endpoint gets its messages verified against its ca_file; an unknown CA gets none") {
  Rig rig;
  const std::string secret = webhooks::Secret::generate();
  const auto cert = rig.dir() / "hooks-cert.pem";
  const auto key = rig.dir() / "hooks-key.pem";
  make_certificate(cert, key);
  const auto secret_file = rig.dir().write("tls.whsec", secret + "\n");
  std::unique_ptr<Process> receiver;
  const int port = start_tls_receiver(receiver, secret_file, cert, key);
  auto table = webhook_table(rig, secret, port);
  table.replace(table.find("http://"), 7, "https://");
  // First without ca_file: the system's CAs do not know the certificate, so nothing may be sent.
  rig.config().extra_toml = table;
  rig.write_config();
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=webhook_endpoint_started", Millis{30'000}));
  REQUIRE(rig.cli({"apply", "--sub-mchid", rig.sub_mchid(0), "--amount", "10.00", "--out-recharge-no", "WTLS1"})
              .status.exited(0));
  REQUIRE(rig.wait_for_log("event=webhook_attempt_failed", Millis{60'000}));
  CHECK(rig.daemon_log_text().find("certificate") != std::string::npos);
  CHECK(receiver->stdout_text().find("verified") == std::string::npos);
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{15'000}));
  // With ca_file naming it, the pending message goes out, and so does the next one.
  rig.config().extra_toml = table + "ca_file = \"" + cert.string() + "\"\n";
  rig.write_config();
  daemon = rig.start_daemon();
  REQUIRE(rig.cli({"apply", "--sub-mchid", rig.sub_mchid(0), "--amount", "11.00", "--out-recharge-no", "WTLS2"})
              .status.exited(0));
  REQUIRE(eventually([&] {
    const std::string out = receiver->stdout_text();
    return out.find("WTLS1") != std::string::npos && out.find("WTLS2") != std::string::npos;
  }, Millis{120'000}, Millis{100}));
  CHECK(receiver->stdout_text().find("REFUSED") == std::string::npos);
  daemon->send(SIGTERM);
  CHECK(daemon->wait_for(Millis{15'000}).value_or(ExitStatus{}).exited(0));
}

TEST_CASE("an endpoint that fails, goes away and comes back gets every message, verified and in order") {
  Rig rig(paying_options(21));
  const std::string secret = webhooks::Secret::generate();
  Endpoint endpoint(secret, 0.3, 5);
  const int port = endpoint.start();
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  rig.config().extra_toml = webhook_table(rig, secret, port);
  rig.write_config();
  auto daemon = rig.start_daemon();
  // An endpoint starts at the end of the feed, so the orders come after it started.
  REQUIRE(rig.wait_for_log("event=webhook_endpoint_started", Millis{30'000}));
  for (int i = 0; i < 8; ++i)
    REQUIRE(rig.cli({"apply", "--sub-mchid", rig.sub_mchid(0), "--amount", std::to_string(10 + i) + ".00",
                     "--out-recharge-no", "WHOOK" + std::to_string(i)})
                .status.exited(0));
  REQUIRE(rig.wait_for_log("event=webhook_delivered", Millis{60'000}));
  endpoint.stop(); // the endpoint goes away: connections are refused and retried
  REQUIRE(rig.wait_for_log("event=webhook_attempt_failed", Millis{60'000}));
  endpoint.start(port);
  REQUIRE(eventually([&] { return all_final(rig); }, Millis{120'000}, Millis{250}));
  const auto events = feed(rig);
  REQUIRE(eventually([&] { return endpoint.accepted().size() >= events.size(); }, Millis{120'000}, Millis{100}));
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{15'000}));
  check_delivered(rig, endpoint);
  const auto list = rig.cli({"webhooks", "list", "--json"});
  REQUIRE(list.status.exited(0));
  const auto summary = nlohmann::json::parse(list.out);
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]["pending"] == 0);
  CHECK(summary[0]["delivered"] == events.size());
}

TEST_CASE("kill -9 while the daemon delivers loses no message and doubles none but with the same webhook-id") {
  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  Rig rig(paying_options(seed % 1000 + 1));
  const std::string secret = webhooks::Secret::generate();
  Endpoint endpoint(secret, 0.2, seed);
  const int port = endpoint.start();
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  rig.config().extra_toml = webhook_table(rig, secret, port);
  rig.write_config();
  {
    auto first = rig.start_daemon(); // the endpoint's cursor starts at the end of the (empty) feed
    REQUIRE(rig.wait_for_log("event=webhook_endpoint_started", Millis{30'000}));
    for (int i = 0; i < 10; ++i)
      REQUIRE(rig.cli({"apply", "--sub-mchid", rig.sub_mchid(static_cast<std::size_t>(i) % 3), "--amount",
                       std::to_string(20 + i) + ".00", "--out-recharge-no", "WKILL" + std::to_string(i)})
                  .status.exited(0));
    first->kill_hard();
    REQUIRE(first->wait_for(Millis{5'000}));
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pause_ms(100, 1'200);
  for (int round = 0; round < 5; ++round) {
    auto daemon = rig.start_daemon();
    const auto from = std::filesystem::exists(rig.daemon_log()) ? std::filesystem::file_size(rig.daemon_log()) : 0;
    REQUIRE(rig.wait_for_log("event=webhook_endpoint_started", Millis{30'000}, from));
    std::this_thread::sleep_for(std::chrono::milliseconds{pause_ms(rng)}); // a seeded random kill moment
    daemon->kill_hard();
    REQUIRE(daemon->wait_for(Millis{5'000}));
  }
  auto daemon = rig.start_daemon();
  REQUIRE(eventually([&] { return all_final(rig); }, Millis{120'000}, Millis{250}));
  const auto events = feed(rig);
  std::set<std::string> ids;
  REQUIRE(eventually(
      [&] {
        ids.clear();
        for (const auto& a : endpoint.accepted()) ids.insert(a.id);
        return ids.size() >= events.size();
      },
      Millis{120'000}, Millis{100}));
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{15'000}));
  check_delivered(rig, endpoint);
}
