#pragma once

#include "engine/update_sink.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace recharged::daemon {

// Group commit: updates from many worker threads are written by one writer thread in a single transaction
// (one fsync for the batch). commit() blocks its caller until the batch holding its updates is durable, and
// returns that caller's own results (the orders as stored, or nullopt where a guard did not hold) — nothing is
// acknowledged before it is on disk. When a batch of several callers fails, each caller's updates are retried
// in a transaction of their own, so one bad update fails only its caller; a caller whose retry fails too gets
// that error (its orders stay as they were and are visited again).
class GroupCommitter final : public engine::UpdateSink {
public:
  GroupCommitter(storage::OrderStore& store, std::size_t max_batch_updates = 512);
  ~GroupCommitter() override;
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  [[nodiscard]] Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override;
  // Stops the writer after the queue is drained. Later commit() calls are written directly.
  void shutdown();

  struct Stats {
    std::uint64_t transactions = 0;
    std::uint64_t updates = 0;
  };
  [[nodiscard]] Stats stats() const;

private:
  struct Pending;
  void writer_loop();

  storage::OrderStore& store_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable work_; // the writer waits here for queued updates (or shutdown)
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

} // namespace recharged::daemon
