#include "api/problem.hpp"
#include "api/request_parsing.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::api;

namespace {

std::string field_of(std::string_view body) {
  const auto r = parse_create_body(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_input);
  CHECK_FALSE(r.error().message.empty());
  return r.error().field;
}

} // namespace

TEST_CASE("a create body gives the apply input; optional fields left out take the defaults later") {
  const auto full = parse_create_body(R"({"sub_mchid":"1900000109","amount_fen":50000,"out_recharge_no":"RC1",
    "recharge_scene":"ECOMMERCE_DEPOSIT","account_type":"DEPOSIT","channels":["QR_RECHARGE"],
    "notify_url":"https://m.example.com/n","remark":"top up"})");
  REQUIRE(full);
  CHECK(full->sub_mchid == "1900000109");
  CHECK(full->amount == 50000);
  CHECK(full->out_recharge_no == "RC1");
  CHECK(full->channels == std::vector<std::string>{"QR_RECHARGE"});
  CHECK(full->remark == "top up");
  const auto minimal = parse_create_body(R"({"amount_fen":1,"sub_mchid":"1900000109"})");
  REQUIRE(minimal);
  CHECK(minimal->out_recharge_no.empty());
  CHECK(minimal->channels.empty());
}

TEST_CASE("a create body that breaks a rule names the field") {
  CHECK(field_of(R"({"amount_fen":1})") == "sub_mchid");
  CHECK(field_of(R"({"sub_mchid":"1900000109"})") == "amount_fen");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":"500.00"})") == "amount_fen");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":1.5})") == "amount_fen");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":0})") == "amount_fen");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":18446744073709551615})") == "amount_fen");
  CHECK(field_of(R"({"sub_mchid":1900000109,"amount_fen":1})") == "sub_mchid");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":1,"out_recharge_no":""})") == "out_recharge_no");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":1,"channels":[]})") == "channels");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":1,"channels":["QR_RECHARGE",2]})") == "channels");
  CHECK(field_of(R"({"sub_mchid":"1900000109","amount_fen":1,"amount":"0.01"})") == "amount");
  CHECK(field_of("[]").empty());
  const auto malformed = parse_create_body("{\"sub_mchid\":");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code == "malformed_json");
}

TEST_CASE("the request hash ignores layout and key order but not values") {
  const auto a = parse_create_body(R"({"sub_mchid":"1900000109","amount_fen":50000})").value();
  const auto b = parse_create_body("{ \"amount_fen\" : 50000,\n \"sub_mchid\" : \"1900000109\" }").value();
  const auto c = parse_create_body(R"({"sub_mchid":"1900000109","amount_fen":50001})").value();
  CHECK(request_hash(a) == request_hash(b));
  CHECK(request_hash(a) != request_hash(c));
}

TEST_CASE("list and events queries: known parameters once, bounded pages, waits capped at max_wait") {
  const auto list = parse_list_query({{"state", "recharging,SUCCESS"}, {"state", "new"}, {"limit", "20"}});
  REQUIRE(list);
  CHECK(list->states == std::vector<std::string>{"recharging", "SUCCESS", "new"});
  CHECK(list->limit == 20);
  CHECK(parse_list_query({{"limit", "1001"}}).error().field == "limit");
  CHECK(parse_list_query({{"limit", "ten"}}).error().field == "limit");
  CHECK(parse_list_query({{"colour", "red"}}).error().field == "colour");
  CHECK(parse_list_query({{"after", "a"}, {"after", "b"}}).error().field == "after");

  const auto events = parse_events_query({{"after", "evt_41"}, {"limit", "5"}, {"wait", "2m"}}, Millis{30'000});
  REQUIRE(events);
  CHECK(events->after == 41);
  CHECK(events->limit == 5);
  CHECK(events->wait == Millis{30'000});
  CHECK(parse_events_query({}, Millis{30'000})->wait == Millis{0});
  CHECK(parse_events_query({{"wait", "soon"}}, Millis{30'000}).error().field == "wait");
  CHECK(parse_events_query({{"after", "x"}}, Millis{30'000}).error().field == "after");
}

TEST_CASE("an Idempotency-Key is 1 to 255 printable ASCII characters") {
  CHECK(validate_idempotency_key("4f9c2a1e-8d0b-4c3e-9a7f-2b6d5e8c1a0f"));
  CHECK_FALSE(validate_idempotency_key(""));
  CHECK_FALSE(validate_idempotency_key(std::string(256, 'k')));
  CHECK_FALSE(validate_idempotency_key("tab\there"));
  CHECK(validate_idempotency_key("").error().field == "Idempotency-Key");
}

TEST_CASE("errors map to problem statuses by kind; 503s say when to retry") {
  const auto status = [](ErrorKind k) { return problem_for(Error::make(k, "x", "Something.")).status; };
  CHECK(status(ErrorKind::invalid_input) == 422);
  CHECK(status(ErrorKind::not_found) == 404);
  CHECK(status(ErrorKind::permanent) == 409);
  CHECK(status(ErrorKind::conflict) == 409);
  CHECK(status(ErrorKind::retryable) == 503);
  CHECK(status(ErrorKind::rate_limited) == 503);
  CHECK(status(ErrorKind::ambiguous) == 503);
  CHECK(status(ErrorKind::storage) == 503);
  CHECK(status(ErrorKind::internal) == 500);

  const auto r = problem_response(Error::invalid("amount_fen", "The field amount_fen must be positive."));
  CHECK(r.status == 422);
  CHECK(r.headers.get("Content-Type") == "application/problem+json");
  const auto body = nlohmann::json::parse(r.body);
  CHECK(body["type"] == "urn:recharged:problem:validation");
  CHECK(body["field"] == "amount_fen");
  CHECK(body["detail"] == "The field amount_fen must be positive.");
  const auto busy = problem_response(Error::make(ErrorKind::storage, "busy", "The database is busy."));
  CHECK(busy.status == 503);
  CHECK(busy.headers.get("Retry-After") == "2");
  CHECK_FALSE(nlohmann::json::parse(busy.body).contains("field"));
}
