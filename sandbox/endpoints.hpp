#pragma once

#include <string_view>

namespace recharged::sandbox {

// The three recharge endpoints the platform serves (docs/PROTOCOL.md, "Endpoints").
enum class Endpoint { apply, query, close };

[[nodiscard]] constexpr std::string_view to_string(Endpoint e) noexcept {
  switch (e) {
  case Endpoint::apply: return "apply";
  case Endpoint::query: return "query";
  case Endpoint::close: return "close";
  }
  return "query";
}

// POST: the apply body is JSON.
inline constexpr std::string_view k_apply_route = "/v3/platsolution/ecommerce/recharges/apply";
// GET {prefix}{out_recharge_no}?sub_mchid=… queries; POST {prefix}{out_recharge_no}/close?sub_mchid=… closes.
inline constexpr std::string_view k_order_route_prefix = "/v3/platsolution/ecommerce/recharges/out-recharge-no/";

} // namespace recharged::sandbox
