#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "engine/order_intake.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recharged::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The most orders or events one page holds.
inline constexpr int k_max_page = 1000;

// A POST /v1/orders body: a JSON object with sub_mchid (string) and amount_fen (integer fen), and optionally
// out_recharge_no, recharge_scene, account_type, notify_url, remark (strings) and channels (array of strings).
// Errors are invalid input naming the field: code "malformed_json" for text that is not JSON, "validation" for
// a missing, mistyped, empty or unknown field. The values themselves are checked by the engine.
[[nodiscard]] Result<engine::ApplyInput> parse_create_body(std::string_view body);
// A digest of the request as parsed (whitespace and key order do not matter): what an Idempotency-Key is bound to.
[[nodiscard]] std::string request_hash(const engine::ApplyInput& input);
// An Idempotency-Key header value: 1 to 255 printable ASCII characters.
[[nodiscard]] Status validate_idempotency_key(std::string_view key);

// GET /v1/orders: state (repeatable, or comma-separated), sub_mchid, since, until, after, limit (1–1000).
[[nodiscard]] Result<engine::ListQuery> parse_list_query(const QueryParams& query);

// GET /v1/events: after (a cursor, default 0: the start), limit (1–1000, default 100), wait (a duration such as
// 30s, default 0: answer at once; capped at `max_wait`).
struct EventsQuery {
  std::int64_t after = 0;
  int limit = 100;
  Millis wait{0};
};
[[nodiscard]] Result<EventsQuery> parse_events_query(const QueryParams& query, Millis max_wait);

} // namespace recharged::api
