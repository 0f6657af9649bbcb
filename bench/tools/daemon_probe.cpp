// bench_daemon: starts the real `recharged run` under our own $NOTIFY_SOCKET and measures it from outside:
// time to READY=1, then either its CPU per completed poll over a window (--mode window) or the time to work
// through the due backlog and its memory afterwards (--mode drain). Prints one JSON object.

#include "bench/support/notify_socket.hpp"
#include "bench/support/process_stats.hpp"
#include "bench/support/sqlite_handle.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

namespace recharged::bench {
namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;

struct ProbeArgs {
  std::string recharged;
  std::string config;
  std::string log = "/dev/null";
  std::string mode = "window";
  double warmup = 3;
  double window = 10;
  double timeout = 120;
  std::string socket;
  std::vector<std::string> via; // a wrapper command and its arguments (e.g. valgrind --tool=callgrind)
};

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

void sleep_seconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Forks and execs `recharged -c CONFIG run` with NOTIFY_SOCKET set and its output in the log file.
Result<pid_t> start_daemon(const ProbeArgs& a) {
  const pid_t pid = ::fork();
  if (pid < 0) return Error::make(ErrorKind::internal, "fork", "fork() failed.");
  if (pid > 0) return pid;
  ::setenv("NOTIFY_SOCKET", a.socket.c_str(), 1);
  const int fd = ::open(a.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  std::vector<std::string> args = a.via;
  for (const char* arg : {a.recharged.c_str(), "-c", a.config.c_str(), "run"}) args.emplace_back(arg);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execvp(argv.front(), argv.data());
  ::_exit(127);
}

// Waits for READY=1; returns the milliseconds since `started`, or an error on timeout or early exit.
Result<double> wait_ready(NotifySocket& socket, pid_t pid, steady::time_point started, double timeout) {
  while (seconds_since(started) < timeout) {
    if (auto msg = socket.receive(Millis{100})) {
      if (msg->find("READY=1") != std::string::npos) return seconds_since(started) * 1000.0;
      continue;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return Error::make(ErrorKind::internal, "exited", "The daemon exited before READY=1 (see its log).");
  }
  return Error::make(ErrorKind::retryable, "timeout", "No READY=1 within the timeout.");
}

Result<std::int64_t> polls_recorded(SqliteHandle& db) {
  RECHARGED_TRY(const auto sum, db.scalar("SELECT COALESCE(sum(poll_count), 0) FROM orders"));
  return sum.value_or(0);
}

Result<std::int64_t> due_now(SqliteHandle& db) {
  RECHARGED_TRY(SqliteStatement q, SqliteStatement::prepare(
                                       db, "SELECT count(*) FROM orders WHERE next_poll_at IS NOT NULL AND next_poll_at <= ?"));
  q.bind(1, format_utc(SystemClock{}.now()));
  RECHARGED_TRY(const bool row, q.step());
  return row ? q.column_int(0) : 0;
}

// CPU and durable polls over a window that starts after the warm-up.
Result<json> measure_window(const ProbeArgs& a, pid_t pid, SqliteHandle& db) {
  sleep_seconds(a.warmup);
  RECHARGED_TRY(const CpuTimes cpu0, cpu_times(pid));
  RECHARGED_TRY(const std::int64_t polls0, polls_recorded(db));
  const auto t0 = steady::now();
  sleep_seconds(a.window);
  RECHARGED_TRY(const CpuTimes cpu1, cpu_times(pid));
  RECHARGED_TRY(const std::int64_t polls1, polls_recorded(db));
  const double wall = seconds_since(t0);
  const auto polls = polls1 - polls0;
  json w{{"seconds", wall},
         {"polls", polls},
         {"cpu_user_s", cpu1.user_seconds - cpu0.user_seconds},
         {"cpu_system_s", cpu1.system_seconds - cpu0.system_seconds}};
  w["polls_per_second"] = static_cast<double>(polls) / wall;
  w["cpu_per_poll_us"] = polls > 0 ? (cpu1.total() - cpu0.total()) / static_cast<double>(polls) * 1e6 : 0.0;
  return w;
}

// Waits until no order is due (the backlog is worked through).
Result<json> measure_drain(const ProbeArgs& a, SqliteHandle& db, steady::time_point ready_at) {
  RECHARGED_TRY(const std::int64_t backlog, due_now(db));
  for (;;) {
    RECHARGED_TRY(const std::int64_t due, due_now(db));
    if (due == 0) break;
    if (seconds_since(ready_at) > a.timeout)
      return Error::make(ErrorKind::retryable, "timeout", std::to_string(due) + " orders still due at the timeout.");
    sleep_seconds(0.05);
  }
  return json{{"backlog_at_ready", backlog}, {"seconds", seconds_since(ready_at)}};
}

struct Stopped {
  int exit_code = -1;
  double cpu_seconds = 0;
};

Stopped stop_daemon(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  Stopped s;
  s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  s.cpu_seconds = secs(usage.ru_utime) + secs(usage.ru_stime);
  return s;
}

Result<json> probe(const ProbeArgs& a) {
  RECHARGED_TRY(const config::Config cfg, config::load(a.config));
  RECHARGED_TRY(NotifySocket socket, NotifySocket::bind(a.socket));
  RECHARGED_TRY(SqliteHandle db, SqliteHandle::open(cfg.database.path, SqliteHandle::Mode::read_only));
  const auto started = steady::now();
  RECHARGED_TRY(const pid_t pid, start_daemon(a));
  auto ready_ms = wait_ready(socket, pid, started, a.timeout);
  if (!ready_ms) {
    stop_daemon(pid);
    return std::move(ready_ms).error();
  }
  json out{{"ready_ms", *ready_ms}, {"mode", a.mode}};
  const auto ready_at = steady::now();
  auto measured = a.mode == "drain" ? measure_drain(a, db, ready_at) : measure_window(a, pid, db);
  if (auto mem = memory(pid)) out["memory"] = json{{"rss_kib", mem->rss_kib}, {"hwm_kib", mem->hwm_kib}};
  const Stopped stopped = stop_daemon(pid);
  out["exit_code"] = stopped.exit_code;
  out["total_cpu_s"] = stopped.cpu_seconds;
  if (!measured) return std::move(measured).error();
  out[a.mode] = std::move(*measured);
  return out;
}

} // namespace
} // namespace recharged::bench

int main(int argc, char** argv) {
  recharged::bench::ProbeArgs a;
  CLI::App app{"Start `recharged run` under a private NOTIFY_SOCKET and measure it from outside"};
  app.add_option("--recharged", a.recharged, "The recharged binary")->required();
  app.add_option("-c,--config", a.config, "The daemon's config file")->required();
  app.add_option("--log", a.log, "Where the daemon's stderr goes");
  app.add_option("--mode", a.mode, "window: CPU per poll over a window; drain: time and memory to work off the backlog")
      ->check(CLI::IsMember({"window", "drain"}));
  app.add_option("--warmup", a.warmup, "Seconds after READY=1 before the window opens");
  app.add_option("--window", a.window, "Seconds the window lasts");
  app.add_option("--timeout", a.timeout, "Seconds to wait for READY=1 and for the drain");
  app.add_option("--socket", a.socket, "Path of the notify socket to create")->required();
  app.add_option("--via", a.via, "Run the daemon under this command (repeat for each of its arguments)")
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);
  auto result = recharged::bench::probe(a);
  if (!result) {
    std::cerr << "bench_daemon: error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->dump() << "\n";
  return 0;
}
