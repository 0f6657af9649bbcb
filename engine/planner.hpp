#pragma once

#include "core/time.hpp"
#include "orders/order.hpp"

#include <string>

namespace recharged::engine {

// When to look at an order next. `at == TimePoint::max()` means never (terminal or held).
struct Plan {
  TimePoint at = TimePoint::max();
  bool close = false; // the visit at `at` is the stale-order close
  std::string reason; // short and human: shown by `show`, `schedule explain` and in logs
};

// The scheduling decisions the engine needs, injected so tests can use fixed schedules.
// Implementations are pure and thread-safe.
class Planner {
public:
  virtual ~Planner() = default;
  // The next visit for `order` as it stands after its latest update (state, counters, failure streak).
  [[nodiscard]] virtual Plan next(const orders::Order& order, TimePoint now) const = 0;
  // When the order becomes stale and is closed (from its acceptance, or creation when not yet accepted).
  [[nodiscard]] virtual TimePoint close_deadline(const orders::Order& order) const = 0;
  // The close of an open order whose payment the bank sent back at `returned_at`: never earlier than its
  // stored close_after, later when the payer may still send again.
  [[nodiscard]] virtual TimePoint close_deadline_after_return(const orders::Order& order,
                                                              TimePoint returned_at) const = 0;
};

} // namespace recharged::engine
