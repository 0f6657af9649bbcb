#include "daemon/group_committer.hpp"

#include <iterator>

namespace recharged::daemon {

struct GroupCommitter::Pending {
  std::vector<storage::OrderUpdate> updates;
  std::optional<Result<storage::Committed>> result;
  std::condition_variable turn; // woken when its result is set, or when it may write the next batch
};

GroupCommitter::GroupCommitter(storage::OrderStore& store, std::size_t max_batch_updates)
    : store_(store), max_batch_(max_batch_updates) {}

GroupCommitter::~GroupCommitter() { shutdown(); }

void GroupCommitter::shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_.wait(lock, [&] { return !writing_ && queue_.empty(); });
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t GroupCommitter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Result<storage::Committed> GroupCommitter::commit(std::vector<storage::OrderUpdate> updates) {
  auto pending = std::make_shared<Pending>();
  pending->updates = std::move(updates);
  std::unique_lock lock(mu_);
  if (stopping_ && !writing_ && queue_.empty()) {
    lock.unlock();
    return store_.commit(pending->updates);
  }
  queue_.push_back(pending);
  for (;;) {
    if (pending->result) return std::move(*pending->result);
    if (!writing_) {
      write_batch(lock);
      continue;
    }
    pending->turn.wait(lock);
  }
}

void GroupCommitter::write_batch(std::unique_lock<std::mutex>& lock) {
  writing_ = true;
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
  lock.lock(); // every result is published under mu_, which the callers read it under
  ++stats_.transactions;
  stats_.updates += all.size();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& p = batch[i];
    if (!alone.empty()) {
      p->result = std::move(alone[i]);
    } else if (!committed) {
      p->result = committed.error();
    } else {
      const auto begin = committed->begin() + static_cast<std::ptrdiff_t>(offset);
      p->result = storage::Committed(std::make_move_iterator(begin),
                                     std::make_move_iterator(begin + static_cast<std::ptrdiff_t>(p->updates.size())));
    }
    offset += p->updates.size();
    p->turn.notify_one();
  }
  writing_ = false;
  if (!queue_.empty()) queue_.front()->turn.notify_one(); // its turn to write what has gathered
  else idle_.notify_all();
}

} // namespace recharged::daemon
