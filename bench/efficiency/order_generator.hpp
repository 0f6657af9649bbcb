#pragma once

#include "bench/efficiency/workload.hpp"
#include "sandbox/model.hpp"

#include <string>
#include <vector>

namespace recharged::bench::efficiency {

// One order of a workload: what the merchant asks for, and when.
struct OrderSpec {
  std::string out_recharge_no;
  TimePoint apply_at;
  Fen amount = 0;
  std::vector<sandbox::RechargeChannel> channels; // available_recharge_channels; empty = all three
};

// The workload's orders in apply order. Depends only on the workload (its seed included): every strategy
// sees the same orders, and the sandbox's payer model gives each of them the same payer.
[[nodiscard]] std::vector<OrderSpec> generate_orders(const Workload& workload);

// The apply request for `spec` (sub-merchant 1900000101, ECOMMERCE_DEPOSIT into the DEPOSIT account).
[[nodiscard]] sandbox::ApplyRequest apply_request(const OrderSpec& spec);

} // namespace recharged::bench::efficiency
