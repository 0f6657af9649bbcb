#pragma once

#include "core/clock.hpp"
#include "daemon/worker_pool.hpp"
#include "engine/order_service.hpp"
#include "storage/order_store.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <unordered_set>

namespace spdlog {
class logger;
}

namespace recharged::daemon {

// Feeds due orders to the worker pool: picks them by the next-poll index (most overdue first), never hands
// the same order to two workers, keeps at most one task per idle worker, and backs off when the database
// fails (an order whose visit could not be recorded cools down before it is tried again). Due orders are
// read `batch_size` at a time ([limits] batch_size) and handed out as workers free up — a worker that
// finishes a visit takes the next order of the batch itself, and wakes the dispatch thread only when the
// batch runs out; a batch is read again when it runs out or is k_batch_max_age old, so a visit's snapshot of
// its order is at most that stale (the engine's compare-and-set guards make a stale snapshot cost at most one
// extra query).
//
// On a database several daemons share (OrderStore::claim_due), the orders it hands out are those it has claimed:
// each under a visit lease for this node, ended when its visit is done, so no other node visits it meanwhile.
class Dispatcher {
public:
  // How this node claims its visits on a shared database.
  struct Claims {
    std::string owner; // this node's id
    Millis lease{};    // longer than any one visit takes
  };

  Dispatcher(storage::OrderStore& store, engine::OrderService& service, WorkerPool& pool, Clock& clock,
             StopSignal& wake, std::shared_ptr<spdlog::logger> log, std::size_t batch_size = 256,
             std::optional<Claims> claims = std::nullopt);

  // One round: hands due orders to idle workers. Returns when the next round should run at the latest
  // (completions and notifications wake the loop earlier through `wake`).
  TimePoint dispatch_once();
  [[nodiscard]] std::size_t in_flight() const;
  // Queries `out_recharge_no` now on a worker (after a notification), unless a visit is already under way.
  void confirm(const std::string& out_recharge_no);
  // Visits completed since start (for STATUS and metrics).
  [[nodiscard]] std::uint64_t visits() const noexcept { return visits_.load(); }

private:
  // Visits `order` on a worker, then the next orders of the current batch while it is fresh; wakes the
  // dispatch thread when it runs out.
  void visit(orders::Order order);
  void visit_one(const orders::Order& order);
  // The next order of batch_ that is neither in hand nor cooling down, now in hand. Needs mu_.
  std::optional<orders::Order> take_from_batch();
  TimePoint storage_trouble(const Error& error, TimePoint now);
  // A visit whose outcome could not be recorded: cools the order down and says so (storage_unavailable, at
  // most once per k_storage_log_every of clock time, with the number of failures not logged since).
  void visit_not_recorded(const orders::Order& order, const Error& error);
  // Due orders to hand out now: read (one daemon per database) or claimed for this node (a shared one).
  Result<std::vector<orders::Order>> take_due(TimePoint now, std::size_t idle, std::size_t skip);
  // A shared database: the visit of `id` is over, the order is anyone's when next due.
  void end_visit(std::int64_t id);

  storage::OrderStore& store_;
  engine::OrderService& service_;
  WorkerPool& pool_;
  Clock& clock_;
  StopSignal& wake_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;
  std::unordered_set<std::int64_t> in_flight_;
  std::map<std::int64_t, TimePoint> cooldown_;
  Millis storage_backoff_{0};
  TimePoint storage_log_after_{};       // guarded by mu_
  std::uint64_t storage_unlogged_ = 0;  // guarded by mu_
  std::atomic<std::uint64_t> visits_{0};
  const std::size_t batch_size_;
  const std::optional<Claims> claims_;
  std::deque<orders::Order> batch_; // due orders read but not yet handed out; guarded by mu_
  TimePoint batch_read_at_{};       // guarded by mu_
};

} // namespace recharged::daemon
