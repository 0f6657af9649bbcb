#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace recharged::test {

// A throw-away PostgreSQL 15 server for tests: initdb into a fresh temporary directory, reachable only through a
// unix socket in it, trust authentication for the user recharged_test. Run as `nobody` when the tests run as
// root (initdb refuses root). The constructor throws std::runtime_error when it cannot start; without the
// server binaries the message is "PostgreSQL 15 server binaries not found: run scripts/deps". Not thread-safe:
// drive one server from one thread (connections to it may live on any thread).
class PgServer {
public:
  PgServer();  // starts a private server, stopped and removed by the destructor
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // One per test process: started on first use, stopped at process exit.
  static PgServer& shared();

  // A fresh empty database with a unique name; returns its URL.
  [[nodiscard]] std::string create_database();
  // postgresql://recharged_test@/<database>?host=<socket directory>
  [[nodiscard]] std::string url(const std::string& database) const;
  // A fast shutdown (every session is terminated, nothing is lost), then a start on the same socket and data.
  void restart();
  // kill -9 of the postmaster and its backends, then a start: PostgreSQL's crash recovery.
  void crash_and_restart();
  // Stops the server and removes its directory; create_database, restart and crash_and_restart throw after.
  void stop();

private:
  void start();
  void wait_until_ready();
  void reap(int signal);
  [[nodiscard]] std::string log_tail() const;

  std::filesystem::path dir_;  // the socket directory; data/ and server.log inside it
  std::filesystem::path bindir_;
  int port_ = 0;
  pid_t postmaster_ = -1;
  bool stopped_ = false;
  std::atomic<int> databases_{0};
};

} // namespace recharged::test
