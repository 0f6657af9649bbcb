#include "daemon/dispatcher.hpp"

#include "logging/event_line.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <utility>

namespace recharged::daemon {
namespace {
constexpr Millis k_idle_look{std::chrono::seconds{60}};
constexpr Millis k_storage_backoff_max{std::chrono::seconds{30}};
constexpr Millis k_order_cooldown{std::chrono::seconds{30}};
constexpr Millis k_storage_log_every{std::chrono::seconds{10}};
constexpr Millis k_batch_max_age{std::chrono::seconds{1}};
// Later than any poll is ever planned, and still a time both backends can store and compare (TimePoint::max()
// is not: it formats to no valid year, which SQLite compared as text before every poll time, and PostgreSQL
// refuses).
const TimePoint k_any_time = std::chrono::sys_days{std::chrono::year{9999} / 12 / 31};
} // namespace

Dispatcher::Dispatcher(storage::OrderStore& store, engine::OrderService& service, WorkerPool& pool, Clock& clock,
                       StopSignal& wake, std::shared_ptr<spdlog::logger> log, std::size_t batch_size,
                       std::optional<Claims> claims)
    : store_(store), service_(service), pool_(pool), clock_(clock), wake_(wake), log_(std::move(log)),
      batch_size_(std::max<std::size_t>(batch_size, 1)), claims_(std::move(claims)) {}

Result<std::vector<orders::Order>> Dispatcher::take_due(TimePoint now, std::size_t idle, std::size_t skip) {
  // Room for the orders in hand, which the index still lists as due until their visits are recorded.
  if (!claims_) return store_.due(now, static_cast<int>(std::max(batch_size_, idle) + skip));
  // Claimed orders are leased from now on: claim only what the idle workers take at once.
  return store_.claim_due(now, static_cast<int>(idle), claims_->owner, now + claims_->lease);
}

void Dispatcher::end_visit(std::int64_t id) {
  if (!claims_) return;
  if (auto ended = store_.end_visit(id, claims_->owner); !ended) // its lease runs out by itself
    log_->debug(logging::EventLine("end_visit_failed").kv("order_id", id).kv("error", ended.error().message).str());
}

std::size_t Dispatcher::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_.size();
}

TimePoint Dispatcher::storage_trouble(const Error& error, TimePoint now) {
  storage_backoff_ = std::clamp(storage_backoff_ * 2, Millis{1000}, k_storage_backoff_max);
  log_->error(logging::EventLine("storage_unavailable")
                  .kv("code", error.code)
                  .kv("retry_in_ms", static_cast<std::int64_t>(storage_backoff_.count()))
                  .kv("error", error.message)
                  .str());
  return now + storage_backoff_;
}

TimePoint Dispatcher::dispatch_once() {
  const TimePoint now = clock_.now();
  std::size_t idle = 0;
  std::size_t skip = 0;
  {
    std::lock_guard lock(mu_);
    // Workers are busy with the visits in hand. (Not pool_.busy(): a finished visit wakes us before its
    // thread is back in the pool, and counting that thread as busy lost the wake-up: with one worker the
    // loop then slept up to a second after every visit.)
    idle = pool_.size() > in_flight_.size() ? pool_.size() - in_flight_.size() : 0;
    std::erase_if(cooldown_, [&](const auto& kv) { return kv.second <= now; });
    skip = in_flight_.size() + cooldown_.size();
  }
  if (idle == 0) return now + k_idle_look;
  bool stale = false;
  {
    std::lock_guard lock(mu_);
    stale = batch_.empty() || now - batch_read_at_ >= k_batch_max_age;
  }
  if (stale) {
    auto due = take_due(now, idle, skip);
    if (!due) return storage_trouble(due.error(), now);
    storage_backoff_ = Millis{0};
    if (claims_) { // claimed orders cooling down here are not visited now: let them go rather than hold them
      std::vector<std::int64_t> not_now;
      {
        std::lock_guard lock(mu_);
        for (const auto& o : *due)
          if (in_flight_.contains(o.id) || cooldown_.contains(o.id)) not_now.push_back(o.id);
      }
      for (const auto id : not_now) end_visit(id);
    }
    std::lock_guard lock(mu_);
    batch_.assign(std::make_move_iterator(due->begin()), std::make_move_iterator(due->end()));
    batch_read_at_ = now;
  }
  std::size_t handed = 0;
  for (;;) {
    std::optional<orders::Order> order;
    {
      std::lock_guard lock(mu_);
      order = take_from_batch();
    }
    if (!order) break;
    pool_.submit([this, order = std::move(*order)] { visit(order); });
    if (++handed == idle) return now + k_idle_look; // woken when a worker frees up
  }
  // Nothing more is due now: sleep until the earliest scheduled order that is not already in hand.
  auto upcoming = store_.due(k_any_time, static_cast<int>(skip + handed + 1));
  if (!upcoming) return storage_trouble(upcoming.error(), now);
  std::lock_guard lock(mu_);
  for (const auto& o : *upcoming) {
    if (in_flight_.contains(o.id) || cooldown_.contains(o.id) || !o.next_poll_at) continue;
    return std::min(std::max(*o.next_poll_at, now), now + k_idle_look);
  }
  return now + k_idle_look;
}

void Dispatcher::confirm(const std::string& out_recharge_no) {
  auto found = store_.find(out_recharge_no);
  if (!found || !*found) return;
  const std::int64_t id = (*found)->id;
  {
    std::lock_guard lock(mu_);
    if (!in_flight_.insert(id).second) return;
  }
  if (claims_) { // another node may be visiting it: then that visit sees the notification's outcome
    auto mine = store_.claim_visit(id, clock_.now(), claims_->owner, clock_.now() + claims_->lease);
    if (!mine || !*mine) {
      std::lock_guard lock(mu_);
      in_flight_.erase(id);
      return;
    }
  }
  pool_.submit([this, id, no = out_recharge_no] {
    auto result = service_.sync(no, orders::EventSource::notify);
    end_visit(id);
    if (!result && result.error().reason != ErrorReason::stopping)
      log_->debug(logging::EventLine("confirm_unsettled").kv("out_recharge_no", no).kv("error", result.error().message).str());
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(id);
    }
    wake_.wake();
  });
}

void Dispatcher::visit_not_recorded(const orders::Order& order, const Error& error) {
  const TimePoint now = clock_.now();
  std::uint64_t unlogged = 0;
  {
    std::lock_guard lock(mu_);
    cooldown_[order.id] = now + k_order_cooldown;
    if (now < storage_log_after_) {
      ++storage_unlogged_;
      return;
    }
    storage_log_after_ = now + k_storage_log_every;
    unlogged = std::exchange(storage_unlogged_, 0);
  }
  log_->error(logging::EventLine("storage_unavailable")
                  .kv("code", error.code)
                  .kv("out_recharge_no", order.out_recharge_no)
                  .kv("retry_in_ms", static_cast<std::int64_t>(k_order_cooldown.count()))
                  .kv("unlogged_failures", static_cast<std::int64_t>(unlogged))
                  .kv("error", error.message)
                  .str());
}

std::optional<orders::Order> Dispatcher::take_from_batch() {
  while (!batch_.empty()) {
    orders::Order order = std::move(batch_.front());
    batch_.pop_front();
    if (in_flight_.contains(order.id) || cooldown_.contains(order.id)) continue;
    in_flight_.insert(order.id);
    return order;
  }
  return std::nullopt;
}

void Dispatcher::visit(orders::Order order) {
  for (;;) {
    visit_one(order);
    end_visit(order.id);
    std::optional<orders::Order> next;
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(order.id);
      // The next due order of a fresh batch, on this thread: no hand-off to the dispatch thread and back.
      if (!wake_.stop_requested() && clock_.now() - batch_read_at_ < k_batch_max_age) next = take_from_batch();
    }
    if (!next) break;
    order = std::move(*next);
  }
  wake_.wake();
}

void Dispatcher::visit_one(const orders::Order& order) {
  auto result = service_.work(order);
  if (!result) {
    const Error& e = result.error();
    if (e.kind == ErrorKind::storage) visit_not_recorded(order, e);
    else if (e.reason != ErrorReason::stopping)
      log_->debug(logging::EventLine("visit_unsettled")
                      .kv("out_recharge_no", order.out_recharge_no)
                      .kv("kind", to_string(e.kind))
                      .kv("error", e.message)
                      .str());
  }
  ++visits_;
}

} // namespace recharged::daemon
