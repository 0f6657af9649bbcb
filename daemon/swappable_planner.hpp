#pragma once

#include "engine/planner.hpp"

#include <memory>
#include <mutex>

namespace recharged::daemon {

// A Planner whose policy can be replaced at run time (SIGHUP) while workers keep planning. Thread-safe.
class SwappablePlanner final : public engine::Planner {
public:
  explicit SwappablePlanner(std::shared_ptr<const engine::Planner> inner) : inner_(std::move(inner)) {}

  [[nodiscard]] engine::Plan next(const orders::Order& order, TimePoint now) const override {
    return current()->next(order, now);
  }
  [[nodiscard]] TimePoint close_deadline(const orders::Order& order) const override {
    return current()->close_deadline(order);
  }
  [[nodiscard]] TimePoint close_deadline_after_return(const orders::Order& order, TimePoint returned_at) const override {
    return current()->close_deadline_after_return(order, returned_at);
  }
  void replace(std::shared_ptr<const engine::Planner> inner) {
    std::lock_guard lock(mu_);
    inner_ = std::move(inner);
  }

private:
  [[nodiscard]] std::shared_ptr<const engine::Planner> current() const {
    std::lock_guard lock(mu_);
    return inner_;
  }
  mutable std::mutex mu_;
  std::shared_ptr<const engine::Planner> inner_;
};

} // namespace recharged::daemon
