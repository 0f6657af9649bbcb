#pragma once

#include "http/server.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/platform.hpp"

#include <functional>
#include <string>

namespace recharged::sandbox {

class Notifier;
struct CallStats;

// The control and inspection API: JSON, no signatures, loopback callers only (403 otherwise), and only
// under /sandbox/ — nothing here is reachable through a platform path.
//   GET  /sandbox/clock                          {"now","now_utc","unix"}: the sandbox's time
//   GET  /sandbox/orders[?state=SUCCESS]         {"orders":[truth…]} in apply order
//   GET  /sandbox/orders/{no}                    the ground truth of one order (404 unknown)
//   POST /sandbox/orders/{no}/pay?channel=QR_RECHARGE|BANK_TRANSFER|ONLINE_BANK[&settle=now][&return_reason=…]
//        the payer pays now (settle=now: the money lands at once); answers the new truth
//   GET  /sandbox/faults                         the fault settings
//   POST /sandbox/faults  {"server_error":0.2,"latency_duration":"1s",…}   changes the given settings
//   GET  /sandbox/stats                          calls by endpoint/status and by host, faults, platform counters,
//                                                applies
//   GET  /sandbox/notifications                  every notification and its delivery state
// Truth JSON: {"order": <the MchDeposit a query answers>, "notify_url", "remark", "applied_at", "expires_at",
// "applies", "queries", "closes", "plan":[{channel, paid_at, lands_at, amount, return_reason}],
// "fund_returns":[<FundReturned>]}.
void register_control_routes(http::Server& server, Platform& platform, FaultInjector& faults,
                             const Notifier* notifier, std::function<CallStats()> stats);

// The truth JSON above, as text (also used by tests and logs).
[[nodiscard]] std::string truth_json(const OrderTruth& truth);

} // namespace recharged::sandbox
