// POST/GET /v1/orders through the real daemon against the sandbox: create, idempotent retries by number and by
// Idempotency-Key, an ambiguous apply answered 202 and settled later, listing pages, auth and problem+json.

#include "tests/integration/api_rig.hpp"

#include <thread>

using namespace recharged;
using namespace recharged::test;
using nlohmann::json;

namespace {

// Polls `fn` until it returns true or `timeout` passes.
template <class F>
bool eventually(F&& fn, Millis timeout = Millis{60'000}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return fn();
}

void check_problem(const ApiAnswer& a, int status, const std::string& code, const std::string& field = "") {
  INFO(a.body);
  CHECK(a.status == status);
  CHECK(a.header("content-type") == "application/problem+json");
  const json p = a.json();
  REQUIRE(p.is_object());
  CHECK(p["status"] == status);
  CHECK(p["code"] == code);
  CHECK(p["type"] == "urn:recharged:problem:" + code);
  CHECK(!p["title"].get<std::string>().empty());
  CHECK(!p["detail"].get<std::string>().empty());
  if (!field.empty()) CHECK(p.value("field", "") == field);
}

} // namespace

TEST_CASE("POST /v1/orders creates an order once: 201 with its recharge_url, then 200 for the same number") {
  ApiRig api;
  api.start();
  const auto first = api.call("POST", "/v1/orders", api.create_body("API0001"));
  INFO(first.body);
  REQUIRE(first.status == 201);
  const json order = first.json();
  CHECK(order["out_recharge_no"] == "API0001");
  CHECK(order["state"] == "RECHARGING");
  CHECK(order["amount_fen"] == 50000);
  CHECK(order["recharge_url"].get<std::string>().starts_with("http"));
  CHECK(first.header("location") == "/v1/orders/API0001");

  const auto again = api.call("POST", "/v1/orders", api.create_body("API0001"));
  REQUIRE(again.status == 200);
  CHECK(again.json()["recharge_id"] == order["recharge_id"]);
  CHECK(api.rig.truth("API0001").deposit.out_recharge_no == "API0001");
  CHECK(api.rig.orders().size() == 1);

  const auto detail = api.call("GET", "/v1/orders/API0001", "", {}, k_read_token);
  REQUIRE(detail.status == 200);
  CHECK(detail.json()["events"].size() >= 2);
  CHECK(detail.json()["state"] == "RECHARGING");

  SUBCASE("the same number with another body is refused, naming the field") {
    check_problem(api.call("POST", "/v1/orders", api.create_body("API0001", 60000)), 422, "validation",
                  "out_recharge_no");
  }
  SUBCASE("sync and close act on it") {
    const auto synced = api.call("POST", "/v1/orders/API0001/sync");
    REQUIRE(synced.status == 200);
    CHECK(synced.json()["state"] == "RECHARGING");
    const auto closed = api.call("POST", "/v1/orders/API0001/close");
    INFO(closed.body);
    REQUIRE(closed.status == 200);
    CHECK(closed.json()["state"] == "CLOSED");
    CHECK(api.rig.order("API0001")->state == orders::OrderState::closed);
  }
  CHECK(api.rig.daemon_log_text().find("event=api_request method=POST path=/v1/orders status=201") != std::string::npos);
  CHECK(api.rig.daemon_log_text().find("token=backoffice") != std::string::npos);
  CHECK(api.rig.daemon_log_text().find(k_write_token) == std::string::npos);
}

TEST_CASE("An Idempotency-Key stands for one generated order; another body under it is refused with 422") {
  ApiRig api;
  api.start();
  const std::string body = api.create_body("");
  const auto first = api.call("POST", "/v1/orders", body, {{"Idempotency-Key", "key-7f3a"}});
  INFO(first.body);
  REQUIRE(first.status == 201);
  const std::string no = first.json()["out_recharge_no"];
  CHECK(no.starts_with("RC"));

  const auto retry = api.call("POST", "/v1/orders", body, {{"Idempotency-Key", "key-7f3a"}});
  REQUIRE(retry.status == 200);
  CHECK(retry.json()["out_recharge_no"] == no);
  CHECK(api.rig.orders().size() == 1);

  const auto other = api.call("POST", "/v1/orders", api.create_body("", 70000), {{"Idempotency-Key", "key-7f3a"}});
  check_problem(other, 422, "idempotency_key_reused", "Idempotency-Key");
  CHECK(other.json()["detail"].get<std::string>().find(no) != std::string::npos);

  // A request refused as invalid does not use up its key.
  check_problem(api.call("POST", "/v1/orders", json{{"sub_mchid", "12ab"}, {"amount_fen", 100}}.dump(),
                         {{"Idempotency-Key", "key-8b21"}}),
                422, "validation", "sub_mchid");
  const auto fresh = api.call("POST", "/v1/orders", body, {{"Idempotency-Key", "key-8b21"}});
  INFO(fresh.body);
  REQUIRE(fresh.status == 201);
  CHECK(fresh.json()["out_recharge_no"] != no);
  CHECK(api.rig.orders().size() == 2);
}

TEST_CASE("An apply whose answer is lost is answered 202 with Retry-After, and a later retry 200") {
  ApiRig api;
  api.start();
  sandbox::FaultConfig faults;
  faults.timeout = 1;
  faults.timeout_hold = Millis{5'000};
  api.rig.sandbox().sandbox().faults().set_config(faults);
  const auto pending = api.call("POST", "/v1/orders", api.create_body("API0202"));
  INFO(pending.body);
  REQUIRE(pending.status == 202);
  CHECK(pending.header("retry-after") == "2");
  CHECK(pending.json()["state"] == "NEW");
  api.rig.sandbox().sandbox().faults().set_config({});

  ApiAnswer settled;
  CHECK(eventually([&] {
    settled = api.call("POST", "/v1/orders", api.create_body("API0202"));
    return settled.status != 202;
  }));
  INFO(settled.body);
  CHECK(settled.status == 200);
  CHECK(settled.json()["state"] == "RECHARGING");
  // WeChat Pay returns the recharge_url only in the answer to the apply, which was lost: the order is known by query.
  CHECK(!settled.json()["recharge_id"].get<std::string>().empty());
  CHECK(api.rig.truth("API0202").deposit.out_recharge_no == "API0202"); // applied once, by the first request
}

TEST_CASE("GET /v1/orders pages newest first with a cursor until next_cursor is null") {
  ApiRig api;
  api.start();
  for (int i = 1; i <= 5; ++i)
    REQUIRE(api.call("POST", "/v1/orders", api.create_body("PAGE" + std::to_string(i))).status == 201);
  std::vector<std::string> seen;
  std::string target = "/v1/orders?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = api.call("GET", target, "", {}, k_read_token);
    INFO(page.body);
    REQUIRE(page.status == 200);
    const json body = page.json();
    CHECK(body["orders"].size() <= 2);
    for (const auto& o : body["orders"]) seen.push_back(o["out_recharge_no"]);
    if (body["next_cursor"].is_null()) break;
    target = "/v1/orders?limit=2&after=" + http::url_encode(body["next_cursor"].get<std::string>());
  }
  INFO(json(seen).dump());
  CHECK(seen == std::vector<std::string>{"PAGE5", "PAGE4", "PAGE3", "PAGE2", "PAGE1"});
  const auto filtered = api.call("GET", "/v1/orders?state=recharging,closed&sub_mchid=" + api.rig.sub_mchid(), "", {},
                                 k_read_token);
  REQUIRE(filtered.status == 200);
  CHECK(filtered.json()["orders"].size() == 5);
  check_problem(api.call("GET", "/v1/orders?state=PAID", "", {}, k_read_token), 422, "validation", "state");
  check_problem(api.call("GET", "/v1/orders?limit=0", "", {}, k_read_token), 422, "validation", "limit");
  check_problem(api.call("GET", "/v1/orders?after=nonsense", "", {}, k_read_token), 422, "validation", "after");
  check_problem(api.call("GET", "/v1/orders?colour=red", "", {}, k_read_token), 422, "validation", "colour");
}

TEST_CASE("Without a known token every route but the OpenAPI document answers 401; a read token cannot write") {
  ApiRig api;
  api.start();
  const auto none = api.call("GET", "/v1/orders", "", {}, "");
  check_problem(none, 401, "unauthorized");
  CHECK(none.header("www-authenticate").starts_with("Bearer"));
  check_problem(api.call("GET", "/v1/events", "", {}, "x" + k_read_token.substr(1)), 401, "unauthorized");
  check_problem(api.call("POST", "/v1/orders", api.create_body("AUTH1"), {}, k_read_token), 403, "forbidden");
  check_problem(api.call("POST", "/v1/orders/AUTH1/close", "", {}, k_read_token), 403, "forbidden");
  CHECK(api.rig.orders().empty());
  CHECK(api.call("GET", "/v1/orders", "", {}, k_read_token).status == 200);
  const auto doc = api.call("GET", "/v1/openapi.json", "", {}, "");
  REQUIRE(doc.status == 200);
  CHECK(doc.json()["openapi"] == "3.1.0");
}

TEST_CASE("Bad requests get problem+json naming the field and the rule; nothing is recorded or sent") {
  ApiRig api;
  api.start();
  const std::string sub = api.rig.sub_mchid();
  check_problem(api.call("POST", "/v1/orders", "{\"sub_mchid\":"), 400, "malformed_json");
  check_problem(api.call("POST", "/v1/orders", "[1,2]"), 422, "validation");
  check_problem(api.call("POST", "/v1/orders", json{{"sub_mchid", sub}}.dump()), 422, "validation", "amount_fen");
  check_problem(api.call("POST", "/v1/orders", json{{"sub_mchid", sub}, {"amount_fen", "500.00"}}.dump()), 422,
                "validation", "amount_fen");
  check_problem(api.call("POST", "/v1/orders", json{{"sub_mchid", sub}, {"amount_fen", 100}, {"amount", 1}}.dump()),
                422, "validation", "amount");
  check_problem(api.call("POST", "/v1/orders", json{{"sub_mchid", "12ab"}, {"amount_fen", 100}}.dump()), 422,
                "validation", "sub_mchid");
  check_problem(api.call("POST", "/v1/orders",
                         json{{"sub_mchid", sub}, {"amount_fen", 100}, {"out_recharge_no", "no-dashes!"}}.dump()),
                422, "validation", "out_recharge_no");
  check_problem(api.call("POST", "/v1/orders",
                         json{{"sub_mchid", sub}, {"amount_fen", 100}, {"remark", std::string(30, 'x')}}.dump()),
                422, "validation", "remark");
  check_problem(api.call("GET", "/v1/orders/NOSUCH1", "", {}, k_read_token), 404, "not_found", "out_recharge_no");
  check_problem(api.call("POST", "/v1/orders/NOSUCH1/sync"), 404, "not_found");
  check_problem(api.call("GET", "/v1/orders/bad%2Ano", "", {}, k_read_token), 422, "validation", "out_recharge_no");
  CHECK(api.rig.orders().empty());

  const auto big = api.call("POST", "/v1/orders", std::string(8192, ' ') + api.create_body("BIG1"));
  CHECK(big.status == 413);
  CHECK(big.header("content-type") == "application/problem+json");
  CHECK(big.json()["code"] == "too_large");
  CHECK(api.rig.orders().empty());
  CHECK(api.rig.wait_for_log("event=listener_body_too_large listener=api", Millis{10'000}));
}

TEST_CASE("The API listens on a unix socket") {
  ApiRig api(ApiRigOptions{.listen = "unix"});
  api.start();
  const auto created = api.call("POST", "/v1/orders", api.create_body("UNIX1"));
  INFO(created.body);
  CHECK(created.status == 201);
  const auto listed = api.call("GET", "/v1/orders", "", {}, k_read_token);
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["orders"].size() == 1);
  CHECK(api.rig.daemon_log_text().find("client=unix") != std::string::npos);
}

TEST_CASE("On PostgreSQL the order API creates once, honours an Idempotency-Key, lists, and feeds the events") {
  ApiRigOptions o;
  o.postgres = true;
  ApiRig api(o);
  api.start();
  const auto first = api.call("POST", "/v1/orders", api.create_body("APIPG1"));
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(first.json()["state"] == "RECHARGING");
  CHECK(api.call("POST", "/v1/orders", api.create_body("APIPG1")).status == 200);
  const auto keyed = api.call("POST", "/v1/orders", api.create_body(""), {{"Idempotency-Key", "pg-key-1"}});
  REQUIRE(keyed.status == 201);
  const auto again = api.call("POST", "/v1/orders", api.create_body(""), {{"Idempotency-Key", "pg-key-1"}});
  REQUIRE(again.status == 200);
  CHECK(again.json()["out_recharge_no"] == keyed.json()["out_recharge_no"]);
  const auto list = api.call("GET", "/v1/orders", "", {}, k_read_token);
  REQUIRE(list.status == 200);
  CHECK(list.json()["orders"].size() == 2);
  const auto events = api.call("GET", "/v1/events", "", {}, k_read_token);
  INFO(events.body);
  REQUIRE(events.status == 200);
  CHECK(events.json()["events"].size() == 2); // order.recharging of each
  CHECK(api.rig.orders().size() == 2);
  CHECK(api.rig.platform().counters().duplicate_applies == 0);
}
