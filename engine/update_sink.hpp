#pragma once

#include "storage/order_store.hpp"

#include <vector>

namespace recharged::engine {

// Where the engine's decisions become durable. commit() returns only after the updates are committed as
// durably as they need (storage::durability_of: on disk unless they are observations that lead to nothing);
// result[i] is the order as stored after update i, or nullopt when its compare-and-set guard did not hold.
// Thread-safe.
class UpdateSink {
public:
  virtual ~UpdateSink() = default;
  [[nodiscard]] virtual Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) = 0;
};

// Commits straight to the store, one transaction per call (CLI commands).
class StoreSink final : public UpdateSink {
public:
  explicit StoreSink(storage::OrderStore& store) : store_(store) {}
  [[nodiscard]] Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override {
    return store_.commit(updates);
  }

private:
  storage::OrderStore& store_;
};

} // namespace recharged::engine
