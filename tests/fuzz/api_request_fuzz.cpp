// Fuzz target: what a caller sends the order API before anything reaches the engine — a POST /v1/orders body
// (then the apply request built from it, checked as the engine checks it), the GET /v1/orders and /v1/events
// query parameters, an Idempotency-Key, a feed cursor and an Authorization header. The first input byte (from
// the end) picks which; strings come from the front. Invariants: an accepted body has a sub_mchid and a positive
// amount and hashes the same when parsed again; accepted pages are 1-1000 long and a wait never passes the cap;
// every refusal has a message.

#include "api/request_parsing.hpp"
#include "api/tokens.hpp"
#include "storage/feed_store.hpp"
#include "wxpay/validation.hpp"

#include <fuzzer/FuzzedDataProvider.h>

using namespace recharged;

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

template <class T>
void check_refusal(const Result<T>& r) {
  if (!r) require(!r.error().message.empty());
}

constexpr Millis k_max_wait{30'000};

api::QueryParams params(FuzzedDataProvider& in) {
  api::QueryParams q;
  const auto count = in.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < count; ++i) {
    std::string key = in.ConsumeRandomLengthString(32);
    q.emplace_back(std::move(key), in.ConsumeRandomLengthString(128));
  }
  return q;
}

void create_body(FuzzedDataProvider& in) {
  const std::string body = in.ConsumeRemainingBytesAsString();
  const auto parsed = api::parse_create_body(body);
  check_refusal(parsed);
  if (!parsed) return;
  require(!parsed->sub_mchid.empty() && parsed->amount > 0);
  const auto again = api::parse_create_body(body);
  require(again && api::request_hash(*again) == api::request_hash(*parsed));
  config::ApplyConfig defaults;
  const auto request = engine::apply_request(*parsed, defaults, TimePoint{std::chrono::hours{490'000}});
  require(!request.out_recharge_no.empty() && request.recharge_amount.amount == parsed->amount);
  check_refusal(wxpay::validate(request));
}

void list_query(FuzzedDataProvider& in) {
  const auto query = api::parse_list_query(params(in));
  check_refusal(query);
  if (!query) return;
  require(query->limit >= 1 && query->limit <= api::k_max_page);
  const auto filter = engine::list_filter(*query, TimePoint{std::chrono::hours{490'000}},
                                          [](std::string_view f) { return std::string(f); });
  check_refusal(filter);
  if (filter) require(filter->limit == query->limit);
}

void events_query(FuzzedDataProvider& in) {
  const auto query = api::parse_events_query(params(in), k_max_wait);
  check_refusal(query);
  if (!query) return;
  require(query->limit >= 1 && query->limit <= api::k_max_page);
  require(query->after >= 0 && query->wait >= Millis{0} && query->wait <= k_max_wait);
}

void headers(FuzzedDataProvider& in) {
  static const auto tokens = api::Tokens::parse("write 0123456789abcdef0123456789abcdef backoffice\n"
                                                "read fedcba9876543210fedcba9876543210\n",
                                                "fuzz");
  require(tokens.ok());
  const std::string key = in.ConsumeRandomLengthString(300);
  check_refusal(api::validate_idempotency_key(key));
  const std::string cursor = in.ConsumeRandomLengthString(40);
  const auto parsed = storage::parse_event_cursor(cursor, "after");
  check_refusal(parsed);
  if (parsed) require(*parsed >= 0);
  const auto holder = tokens->authenticate(in.ConsumeRemainingBytesAsString());
  if (holder) require(!holder->name.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
  case 0: create_body(in); break;
  case 1: list_query(in); break;
  case 2: events_query(in); break;
  default: headers(in); break;
  }
  return 0;
}
