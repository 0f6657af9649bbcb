#include "engine/api_call_log.hpp"

#include "logging/event_line.hpp"

#include <spdlog/logger.h>

namespace recharged::engine {

void ApiCallLog::on_call(const wxpay::CallRecord& r) {
  logging::EventLine line("api_call");
  line.kv("endpoint", wxpay::to_string(r.endpoint))
      .kv("out_recharge_no", r.out_recharge_no)
      .kv("sub_mchid", r.sub_mchid)
      .kv("status", r.http_status)
      .kv("outcome", r.outcome)
      .kv("latency_ms", static_cast<std::int64_t>(r.latency.count()));
  if (!r.request_id.empty()) line.kv("request_id", r.request_id);
  if (r.outcome == "ok") {
    log_->info(line.str());
  } else {
    line.kv("kind", to_string(r.kind));
    log_->warn(line.str());
  }
}

} // namespace recharged::engine
