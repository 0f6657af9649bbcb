#pragma once

#include "config/config.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/order_store.hpp"
#include "wxpay/models.hpp"

#include <functional>
#include <string>
#include <vector>

namespace recharged::engine {

// How a front end names its inputs in errors: the CLI says "--sub-mchid", the order API "sub_mchid".
using FieldName = std::function<std::string(std::string_view field)>;

// What a caller asks to create: `recharged apply` options or a POST /v1/orders body. Empty text and an empty
// channel list take the [apply] defaults; an empty out_recharge_no is generated.
struct ApplyInput {
  std::string sub_mchid;
  Fen amount = 0;
  std::string out_recharge_no;
  std::string scene;
  std::string account_type;
  std::vector<std::string> channels;
  std::string notify_url;
  std::string remark;
};

// The apply request with the [apply] defaults filled in (the number generated when none is given, at `now`).
// Validation of the fields is wxpay::validate's, done by OrderService::apply.
[[nodiscard]] wxpay::ApplyRequest apply_request(const ApplyInput& input, const config::ApplyConfig& defaults,
                                                TimePoint now);

// The `recharged list` filters as text, exactly as a user gives them (the CLI's options, the API's query).
struct ListQuery {
  std::vector<std::string> states; // any case
  std::string sub_mchid;
  std::string since; // RFC 3339, or an age such as 24h (that long before now)
  std::string until;
  std::string after; // a previous page's next_cursor
  int limit = 100;
  int max_limit = 100000;
};
// The storage filter, or an invalid-input error naming the field (through `name`) and the rule.
[[nodiscard]] Result<storage::ListFilter> list_filter(const ListQuery& query, TimePoint now, const FieldName& name);

// "2026-11-23T00:00:00+08:00" or an age such as "24h" (meaning that long before now).
[[nodiscard]] Result<TimePoint> parse_when(const std::string& text, const std::string& field, TimePoint now);

} // namespace recharged::engine
