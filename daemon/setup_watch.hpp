#pragma once

#include "core/clock.hpp"
#include "diagnose/setup.hpp"
#include "wxpay/api_client.hpp"

#include <atomic>
#include <memory>

namespace spdlog {
class logger;
}

namespace recharged::daemon {

// Watches API calls for the first answer whose signature was refused, or the first 401 to our own signature,
// and then logs the set-up diagnosis once (`event=setup_diagnosis`, one line per finding, as
// `recharged check --online` reports them); later failures log nothing more. Thread-safe.
class SetupWatch final : public wxpay::CallObserver {
public:
  SetupWatch(diagnose::LocalSetup setup, const Clock& clock, std::shared_ptr<spdlog::logger> log);
  void on_call(const wxpay::CallRecord& record) override;
  [[nodiscard]] const diagnose::LocalSetup& setup() const noexcept { return setup_; }

private:
  const diagnose::LocalSetup setup_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<bool> logged_{false};
};

} // namespace recharged::daemon
