#pragma once

#include "wxpay/api_client.hpp"

#include <memory>
#include <vector>

namespace spdlog {
class logger;
}

namespace recharged::engine {

// Writes one `event=api_call` line per API call: endpoint, out_recharge_no, sub_mchid, HTTP status,
// Request-ID, outcome and latency. Failures log at warn. Thread-safe.
class ApiCallLog final : public wxpay::CallObserver {
public:
  explicit ApiCallLog(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}
  void on_call(const wxpay::CallRecord& record) override;

private:
  std::shared_ptr<spdlog::logger> log_;
};

// Forwards each call to several observers (log lines and metrics).
class CallObservers final : public wxpay::CallObserver {
public:
  void add(wxpay::CallObserver* observer) { observers_.push_back(observer); }
  void on_call(const wxpay::CallRecord& record) override {
    for (auto* o : observers_) o->on_call(record);
  }

private:
  std::vector<wxpay::CallObserver*> observers_;
};

} // namespace recharged::engine
