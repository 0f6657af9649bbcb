#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace recharged::test {
namespace {

namespace fs = std::filesystem;

std::filesystem::path temp_capture(const char* what) {
  std::string tmpl = (fs::temp_directory_path() / (std::string("recharged-") + what + "-XXXXXX")).string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error(std::string("cannot create a capture file: ") + std::strerror(errno));
  ::close(fd);
  return tmpl;
}

int open_capture(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  return fd;
}

bool named(const char* entry, const std::string& name) {
  return std::strncmp(entry, name.c_str(), name.size()) == 0 && entry[name.size()] == '=';
}

// KEY=VALUE strings for the child: the test's environment minus what is unset or overridden, plus overrides.
std::vector<std::string> child_environment(const ProcessOptions& o) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    bool drop = false;
    for (const auto& n : o.unset_env) drop = drop || named(*e, n);
    for (const auto& [n, v] : o.env) drop = drop || named(*e, n);
    if (o.watchdog_pid_self) drop = drop || named(*e, "WATCHDOG_PID");
    if (!drop) out.emplace_back(*e);
  }
  for (const auto& [n, v] : o.env) out.push_back(n + "=" + v);
  return out;
}

// Writes "WATCHDOG_PID=<pid>" into `slot` without allocating (we are between fork and exec).
void format_pid(char* slot, std::size_t size, pid_t pid) {
  static constexpr char k_prefix[] = "WATCHDOG_PID=";
  std::size_t n = 0;
  for (; k_prefix[n] != '\0' && n + 1 < size; ++n) slot[n] = k_prefix[n];
  char digits[24];
  std::size_t d = 0;
  auto v = static_cast<unsigned long>(pid);
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && d < sizeof digits);
  while (d > 0 && n + 1 < size) slot[n++] = digits[--d];
  slot[n] = '\0';
}

[[noreturn]] void exec_child(const char* exe, char* const* argv, char* const* envp, const char* cwd, int out, int err,
                             char* pid_slot, std::size_t pid_slot_size, pid_t parent) {
  // A test binary that dies (a crash, ctest's timeout) takes its daemons with it instead of leaving them bound.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(125);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) ::signal(sig, SIG_DFL);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  ::close_range(3, ~0U, 0); // the test's sockets (sandbox, listeners) must not leak into the child
  if (cwd != nullptr && ::chdir(cwd) != 0) _exit(126);
  if (pid_slot != nullptr) format_pid(pid_slot, pid_slot_size, ::getpid());
  ::execve(exe, argv, envp);
  _exit(127);
}

} // namespace

std::filesystem::path recharged_binary() {
  if (const char* b = std::getenv("RECHARGED_BINARY"); b != nullptr && *b != '\0') return b;
  return RECHARGED_BINARY_PATH;
}

std::string to_string(const ExitStatus& s) {
  if (s.signal != 0) return "killed by signal " + std::to_string(s.signal);
  return "exit " + std::to_string(s.code);
}

Process::Process(const fs::path& exe, ProcessOptions o) {
  stdout_ = o.stdout_file.empty() ? owned_.emplace_back(temp_capture("stdout")) : o.stdout_file;
  stderr_ = o.stderr_file.empty() ? owned_.emplace_back(temp_capture("stderr")) : o.stderr_file;
  const int out = open_capture(stdout_);
  const int err = open_capture(stderr_);

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::string exe_text = exe.string();
  std::vector<std::string> args{exe_text};
  args.insert(args.end(), o.args.begin(), o.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = child_environment(o);
  std::array<char, 64> pid_slot{};
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  if (o.watchdog_pid_self) envp.push_back(pid_slot.data());
  envp.push_back(nullptr);
  const std::string cwd = o.cwd.string();
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0)
    exec_child(exe_text.c_str(), argv.data(), envp.data(), cwd.empty() ? nullptr : cwd.c_str(), out, err,
               o.watchdog_pid_self ? pid_slot.data() : nullptr, pid_slot.size(), parent);
  const int fork_errno = errno;
  ::close(out);
  ::close(err);
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(fork_errno));
}

Process::~Process() {
  kill_hard();
  std::error_code ec;
  for (const auto& p : owned_) fs::remove(p, ec);
}

std::optional<ExitStatus> Process::wait_for(Millis timeout) {
  if (status_) return status_;
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
      ExitStatus s;
      if (WIFEXITED(raw)) s.code = WEXITSTATUS(raw);
      if (WIFSIGNALED(raw)) s.signal = WTERMSIG(raw);
      status_ = s;
      return status_;
    }
    if (r < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
}

bool Process::running() { return !wait_for(Millis{0}).has_value(); }

void Process::send(int signal) {
  if (!status_) ::kill(pid_, signal);
}

void Process::kill_hard() {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGKILL);
  (void)wait_for(Millis{60'000});
}

std::string Process::stdout_text() const { return slurp(stdout_); }
std::string Process::stderr_text() const { return slurp(stderr_); }

RunResult run_process(const fs::path& exe, ProcessOptions options, Millis timeout) {
  Process p(exe, std::move(options));
  auto status = p.wait_for(timeout);
  if (!status) {
    p.kill_hard();
    status = p.wait_for(Millis{0});
  }
  return RunResult{*status, p.stdout_text(), p.stderr_text()};
}

bool eventually(const std::function<bool()>& condition, Millis timeout, Millis step) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return condition();
    std::this_thread::sleep_for(step);
  }
}

bool connected_to(pid_t pid, int port) {
  // /proc/net/tcp: "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …", hex ports.
  std::set<std::string> inodes;
  std::istringstream table(slurp("/proc/" + std::to_string(pid) + "/net/tcp"));
  std::string line;
  std::getline(table, line); // the header
  while (std::getline(table, line)) {
    std::istringstream f(line);
    std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    f >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    const auto colon = remote.find(':');
    if (state != "01" || colon == std::string::npos) continue; // 01: ESTABLISHED
    if (std::stoi(remote.substr(colon + 1), nullptr, 16) == port) inodes.insert("socket:[" + inode + "]");
  }
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = fs::read_symlink(fd.path(), ec);
    if (!ec && inodes.contains(target.string())) return true;
  }
  return false;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace recharged::test
