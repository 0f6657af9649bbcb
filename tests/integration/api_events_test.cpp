// GET /v1/events through the real daemon: pages in commit order, resuming from a cursor, long-polling, and the
// worker cap. The feed rows are written here by SQL in the shape the daemon records them: {"order": <the order
// as it stood>} (plus "fund_return" for order.fund_returned), `at` RFC 3339 UTC.

#include "tests/integration/api_rig.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <signal.h>

#include <future>
#include <thread>

using namespace recharged;
using namespace recharged::test;
using nlohmann::json;

namespace {

// The order as GET /v1/orders/{no} shows it, without its timeline: the "order" of an event's data.
json order_of(const ApiRig& api, const std::string& no) {
  json o = api.call("GET", "/v1/orders/" + no, "", {}, k_read_token).json();
  for (const char* timeline : {"events", "notifications", "fund_returns"}) o.erase(timeline);
  return o;
}

// Appends a feed row for order `no`; returns its id.
std::int64_t append_event(const ApiRig& api, const std::string& no, const std::string& type, const json& data) {
  SQLite::Database db(api.rig.database_path().string(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA busy_timeout = 5000");
  SQLite::Statement insert(db, "INSERT INTO feed_events (order_id, type, at, data) "
                               "VALUES ((SELECT id FROM orders WHERE out_recharge_no = ?), ?, ?, ?)");
  insert.bind(1, no);
  insert.bind(2, type);
  insert.bind(3, "2026-11-23T02:05:00.000Z");
  insert.bind(4, data.dump());
  insert.exec();
  return db.getLastInsertRowid();
}

// The events after `after`, with the cursor to continue from.
std::pair<std::vector<json>, std::string> page(const ApiRig& api, const std::string& query) {
  const auto a = api.call("GET", "/v1/events?" + query, "", {}, k_read_token);
  INFO(a.body);
  REQUIRE(a.status == 200);
  const json body = a.json();
  return {body["events"].get<std::vector<json>>(), body["next_cursor"].get<std::string>()};
}

std::vector<std::string> ids(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["id"]);
  return out;
}

} // namespace

TEST_CASE("The event feed pages in commit order and resumes from a cursor without missing or repeating one") {
  ApiRig api;
  api.start();
  REQUIRE(api.call("POST", "/v1/orders", api.create_body("EVT1")).status == 201);
  const json order = order_of(api, "EVT1");
  // Whatever the daemon itself recorded so far is before this cursor.
  const std::string start = page(api, "limit=1000").second;

  std::vector<std::string> written;
  written.push_back("evt_" + std::to_string(append_event(api, "EVT1", "order.recharging", {{"order", order}})));
  json paid = order;
  paid["state"] = "SUCCESS";
  written.push_back("evt_" + std::to_string(append_event(api, "EVT1", "order.succeeded", {{"order", paid}})));
  const json fund_return{{"recharge_returned_id", "RET1"}, {"recharge_channel", "BANK_TRANSFER"},
                         {"amount_fen", 50000},             {"currency", "CNY"},
                         {"return_time", nullptr},          {"return_reason", "account closed"},
                         {"bank_name", "ICBC"},             {"bank_card_tail", "1234"},
                         {"received_at", "2026-11-23T10:06:00+08:00"}};
  written.push_back("evt_" + std::to_string(append_event(api, "EVT1", "order.fund_returned",
                                                         {{"order", paid}, {"fund_return", fund_return}})));

  auto [first, cursor] = page(api, "after=" + start + "&limit=2");
  REQUIRE(first.size() == 2);
  CHECK(ids(first) == std::vector<std::string>{written[0], written[1]});
  CHECK(first[0]["type"] == "order.recharging");
  CHECK(first[0]["timestamp"] == "2026-11-23T02:05:00.000Z");
  CHECK(first[0]["data"]["order"]["out_recharge_no"] == "EVT1");
  CHECK(first[1]["data"]["order"]["state"] == "SUCCESS");
  CHECK(cursor == written[1].substr(4));

  // A consumer that was down resumes from its last cursor.
  auto [rest, end] = page(api, "after=" + cursor);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0]["id"] == written[2]);
  CHECK(rest[0]["data"]["fund_return"]["recharge_returned_id"] == "RET1");
  CHECK(end == written[2].substr(4));
  // An event id is a cursor too; past the end there is nothing, and the cursor stays.
  CHECK(ids(page(api, "after=" + written[0]).first) == std::vector<std::string>{written[1], written[2]});
  auto [none, same] = page(api, "after=" + end);
  CHECK(none.empty());
  CHECK(same == end);

  const auto bad = api.call("GET", "/v1/events?after=yesterday", "", {}, k_read_token);
  CHECK(bad.status == 422);
  CHECK(bad.json()["field"] == "after");
  CHECK(api.call("GET", "/v1/events?limit=5000", "", {}, k_read_token).json()["field"] == "limit");
  CHECK(api.call("GET", "/v1/events?wait=soon", "", {}, k_read_token).json()["field"] == "wait");
}

TEST_CASE("A long-poll answers with the first event recorded while it waits, and empty when its wait ends") {
  ApiRig api;
  api.start();
  REQUIRE(api.call("POST", "/v1/orders", api.create_body("EVT2")).status == 201);
  const json order = order_of(api, "EVT2");
  const std::string start = page(api, "limit=1000").second;

  // Longer than [api] idle_timeout (5 s): a connection waiting for its answer is not idle.
  const auto waited_from = std::chrono::steady_clock::now();
  auto [none, cursor] = page(api, "after=" + start + "&wait=6s");
  CHECK(none.empty());
  CHECK(cursor == start);
  CHECK(std::chrono::steady_clock::now() - waited_from >= std::chrono::seconds{6});

  auto waiting = std::async(std::launch::async, [&] { return page(api, "after=" + start + "&wait=60s"); });
  const auto id = append_event(api, "EVT2", "order.closed", {{"order", order}});
  const auto [events, next] = waiting.get();
  REQUIRE(events.size() == 1);
  CHECK(events[0]["id"] == "evt_" + std::to_string(id));
  CHECK(next == std::to_string(id));
}

TEST_CASE("Past [api] workers a request is answered 503 with Retry-After at once; SIGTERM ends a long-poll") {
  ApiRig api(ApiRigOptions{.workers = 1});
  api.start();
  const std::string start = page(api, "limit=1000").second;
  // The only worker waits in a long-poll (on a fresh feed nothing comes). A probe may take the worker first and
  // the long-poll be the one refused: then it is sent again.
  const auto long_poll = [&] {
    return std::async(std::launch::async, [&] {
      return api.call("GET", "/v1/events?after=" + start + "&wait=30s", "", {}, k_read_token);
    });
  };
  auto waiting = long_poll();
  ApiAnswer busy;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (std::chrono::steady_clock::now() < deadline) {
    if (waiting.wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
      const auto refused = waiting.get();
      REQUIRE(refused.status == 503);
      waiting = long_poll();
    }
    busy = api.call("GET", "/v1/orders", "", {}, k_read_token);
    if (busy.status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  INFO(busy.body);
  REQUIRE(busy.status == 503);
  CHECK(busy.json()["code"] == "busy");
  CHECK(busy.header("retry-after") == "1");

  const std::size_t from = api.rig.daemon_log_text().size();
  api.daemon->send(SIGTERM);
  const auto ended = waiting.get();
  CHECK(ended.status == 200);
  CHECK(ended.json()["events"].empty());
  const auto status = api.daemon->wait_for(Millis{60'000});
  REQUIRE(status);
  CHECK(status->exited(0));
  CHECK(api.rig.wait_for_log("event=daemon_stopped", Millis{10'000}, from));
}

TEST_CASE("The daemon's own state changes reach the feed: create, then close over the API, read back in order") {
  ApiRig api;
  api.start();
  const std::string start = page(api, "limit=1000").second;
  REQUIRE(api.call("POST", "/v1/orders", api.create_body("EVTE2E")).status == 201);
  const auto closed = api.call("POST", "/v1/orders/EVTE2E/close");
  INFO(closed.body);
  REQUIRE(closed.status == 200);
  // Written by the daemon in the transactions that made each change: no SQL from the test.
  auto [events, cursor] = page(api, "after=" + start + "&limit=100");
  std::vector<std::string> types;
  for (const auto& e : events)
    if (e["data"]["order"]["out_recharge_no"] == "EVTE2E") types.push_back(e["type"]);
  CHECK(types == std::vector<std::string>{"order.recharging", "order.closed"});
  REQUIRE(events.size() >= 2);
  CHECK(events.back()["data"]["order"]["state"] == "CLOSED");
  CHECK(events.front()["data"]["order"]["recharge_url"].get<std::string>().starts_with("http"));
  CHECK(cursor == events.back()["id"].get<std::string>().substr(4));
}
