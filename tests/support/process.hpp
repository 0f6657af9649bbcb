#pragma once

// Child processes for process-level tests: start the real `recharged` binary with arguments, environment and
// working directory of the test's choosing, capture its stdout and stderr in files, wait with a timeout,
// signal it, kill -9 it.

#include "core/time.hpp"

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace recharged::test {

// The binary under test: $RECHARGED_BINARY when set, else the one this build made (RECHARGED_BINARY_PATH).
[[nodiscard]] std::filesystem::path recharged_binary();

struct ProcessOptions {
  std::vector<std::string> args;                           // argv[1…]
  std::vector<std::pair<std::string, std::string>> env;    // set on top of the test's own environment
  std::vector<std::string> unset_env;                      // removed from it
  std::filesystem::path cwd;                               // empty: the test's working directory
  // Where stdout / stderr go; empty: a temporary file removed with the Process. An existing file is appended
  // to, so one log can follow a daemon across restarts.
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
  bool watchdog_pid_self = false; // sets WATCHDOG_PID to the child's own pid (sd_watchdog_enabled checks it)
};

// How a child ended: its exit code, or the signal that killed it.
struct ExitStatus {
  int code = -1;   // WEXITSTATUS, or -1 when killed by a signal
  int signal = 0;  // the killing signal, or 0
  [[nodiscard]] bool exited(int expected) const noexcept { return signal == 0 && code == expected; }
};
[[nodiscard]] std::string to_string(const ExitStatus& s);

// One running child. Not copyable; the destructor kills (SIGKILL) and reaps a child still running, and the
// child gets SIGKILL if the forking thread dies first. Every file descriptor of the test process except
// stdin/stdout/stderr is closed in the child, and its signal mask and dispositions start clean.
class Process {
public:
  // Forks and execs `exe`; throws std::runtime_error when that is impossible.
  Process(const std::filesystem::path& exe, ProcessOptions options);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  // The exit status once it ended (reaping it), or nullopt when still running after `timeout`.
  [[nodiscard]] std::optional<ExitStatus> wait_for(Millis timeout);
  [[nodiscard]] bool running();
  void send(int signal);
  // SIGKILL, then reap; returns at once if the child already ended.
  void kill_hard();

  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;
  [[nodiscard]] const std::filesystem::path& stdout_path() const noexcept { return stdout_; }
  [[nodiscard]] const std::filesystem::path& stderr_path() const noexcept { return stderr_; }

private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::filesystem::path stdout_;
  std::filesystem::path stderr_;
  std::vector<std::filesystem::path> owned_; // temporary capture files removed in the destructor
};

// A finished run: how it ended and everything it wrote.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;
};

// Runs `exe` to the end; a child still running after `timeout` is killed (status.signal = SIGKILL).
[[nodiscard]] RunResult run_process(const std::filesystem::path& exe, ProcessOptions options,
                                    Millis timeout = Millis{30'000});

// Calls `condition` every `step` of real time until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition, Millis timeout, Millis step = Millis{20});

// Whether process `pid` holds an established TCP connection (IPv4) to `port` on 127.0.0.1: proof that a
// request of its is in flight to the server on that port, for tests that must act while it is.
[[nodiscard]] bool connected_to(pid_t pid, int port);

// The contents of a file, "" when it cannot be read.
[[nodiscard]] std::string slurp(const std::filesystem::path& path);

} // namespace recharged::test
