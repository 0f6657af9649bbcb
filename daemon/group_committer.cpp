#include "daemon/group_committer.hpp"

#include <iterator>

namespace recharged::daemon {

struct GroupCommitter::Pending {
  std::vector<storage::OrderUpdate> updates;
  std::optional<Result<storage::Committed>> result;
  std::condition_variable done; // this caller alone is woken when its result is set
};

GroupCommitter::GroupCommitter(storage::OrderStore& store, std::size_t max_batch_updates)
    : store_(store), max_batch_(max_batch_updates), writer_([this] { writer_loop(); }) {}

GroupCommitter::~GroupCommitter() { shutdown(); }

void GroupCommitter::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_.notify_all();
  if (writer_.joinable()) writer_.join();
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Result<storage::Committed> GroupCommitter::commit(std::vector<storage::OrderUpdate> updates) {
  auto pending = std::make_shared<Pending>();
  pending->updates = std::move(updates);
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    return store_.commit(pending->updates);
  }
  queue_.push_back(pending);
  work_.notify_one();
  pending->done.wait(lock, [&] { return pending->result.has_value(); });
  return std::move(*pending->result);
}

void GroupCommitter::writer_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return; // stopping and drained
    std::vector<std::shared_ptr<Pending>> batch;
    std::vector<storage::OrderUpdate> all;
    while (!queue_.empty() && (batch.empty() || all.size() + queue_.front()->updates.size() <= max_batch_)) {
      batch.push_back(queue_.front());
      queue_.pop_front();
      const auto& u = batch.back()->updates;
      all.insert(all.end(), u.begin(), u.end());
    }
    lock.unlock();
    auto committed = store_.commit(all);
    std::vector<Result<storage::Committed>> alone;
    if (!committed && batch.size() > 1) {
      // One bad update must not fail its neighbours: retry each caller's updates on their own.
      alone.reserve(batch.size());
      for (auto& p : batch) alone.push_back(store_.commit(p->updates));
    }
    lock.lock(); // every result is published under mu_, which the callers' wait predicate reads it under
    ++stats_.transactions;
    stats_.updates += all.size();
    if (!alone.empty()) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i]->result = std::move(alone[i]);
        batch[i]->done.notify_one();
      }
      continue;
    }
    std::size_t offset = 0;
    for (auto& p : batch) {
      if (!committed) {
        p->result = committed.error();
      } else {
        const auto begin = committed->begin() + static_cast<std::ptrdiff_t>(offset);
        p->result = storage::Committed(std::make_move_iterator(begin),
                                       std::make_move_iterator(begin + static_cast<std::ptrdiff_t>(p->updates.size())));
      }
      offset += p->updates.size();
      p->done.notify_one();
    }
  }
}

} // namespace recharged::daemon
