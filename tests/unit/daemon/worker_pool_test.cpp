#include "daemon/worker_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace recharged;

TEST_CASE("the pool runs every task, never more at once than its size, and join waits for all") {
  daemon::WorkerPool pool(3);
  std::atomic<int> running{0}, peak{0}, done{0};
  for (int i = 0; i < 30; ++i) {
    pool.submit([&] {
      const int now = ++running;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {}
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
      --running;
      ++done;
    });
  }
  pool.join();
  CHECK(done == 30);
  CHECK(peak <= 3);
  CHECK(pool.busy() == 0);
}
