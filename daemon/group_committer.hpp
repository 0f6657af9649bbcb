#pragma once

#include "engine/update_sink.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

namespace recharged::daemon {

// Group commit: updates from many worker threads are written in a single transaction (one fsync for the
// batch when it must be synced). No thread of its own: the first caller to find no commit under way writes the
// queue (its own updates and everyone's queued behind it), and whoever queues meanwhile waits; when that commit
// ends, the next waiting caller writes what has gathered. A caller alone — one worker — so commits on its own
// thread, without a hand-off. commit() returns that caller's own results once the batch holding them is written
// with the durability they need (the orders as stored, or nullopt where a guard did not hold) — nothing is
// acknowledged before. When a batch of several callers fails, each caller's updates are retried in a transaction
// of their own, so one bad update fails only its caller; a caller whose retry fails too gets that error (its
// orders stay as they were and are visited again).
class GroupCommitter final : public engine::UpdateSink {
public:
  GroupCommitter(storage::OrderStore& store, std::size_t max_batch_updates = 512);
  ~GroupCommitter() override;
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  [[nodiscard]] Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override;
  // Waits for the commit under way and what is queued behind it. Later commit() calls are written directly.
  void shutdown();

  struct Stats {
    std::uint64_t transactions = 0;
    std::uint64_t updates = 0;
  };
  [[nodiscard]] Stats stats() const;
  // Callers waiting for their updates to be written (not counting the batch being written).
  [[nodiscard]] std::size_t queued() const;

private:
  struct Pending;
  // Writes the batch at the front of the queue; mu_ is held on entry and on return, released while writing.
  void write_batch(std::unique_lock<std::mutex>& lock);

  storage::OrderStore& store_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable idle_; // shutdown() waits here for the queue to drain
  std::deque<std::shared_ptr<Pending>> queue_;
  bool writing_ = false; // a caller is writing a batch
  bool stopping_ = false;
  Stats stats_;
};

} // namespace recharged::daemon
