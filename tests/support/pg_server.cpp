#include "tests/support/pg_server.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace recharged::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto k_deadline = 120s; // start, stop, recovery: generous, the machine may be busy with sanitizer runs
constexpr const char* k_user = "recharged_test";

std::runtime_error failure(const std::string& what) { return std::runtime_error("PgServer: " + what); }

fs::path find_bindir() {
  for (const char* dir : {static_cast<const char*>(std::getenv("RECHARGED_PG_BINDIR")), "/usr/lib/postgresql/15/bin"}) {
    if (dir == nullptr || *dir == '\0') continue;
    if (access((fs::path(dir) / "postgres").c_str(), X_OK) == 0 && access((fs::path(dir) / "initdb").c_str(), X_OK) == 0)
      return dir;
  }
  throw std::runtime_error("PostgreSQL 15 server binaries not found: run scripts/deps");
}

// Who the server runs as: ourselves, or nobody when we are root (initdb and postgres refuse root).
struct Identity {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Identity server_identity() {
  if (geteuid() != 0) return {};
  const passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) throw failure("running as root, and there is no user 'nobody' to run PostgreSQL as");
  return {true, nobody->pw_uid, nobody->pw_gid};
}

// Forks and execs argv[0] as `who`, stdout and stderr appended to `log`. Returns the child's pid. The child gets
// SIGKILL when the test process dies, if the main thread started it (the signal follows the forking thread).
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, const Identity& who) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw failure("cannot open " + log.string() + ": " + std::strerror(errno));
  const bool main_thread = getpid() == static_cast<pid_t>(syscall(SYS_gettid));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    ::close(out);
    throw failure(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD, SIGHUP}) signal(s, SIG_DFL);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    close_range(3, ~0U, 0);
    if (who.drop && (setgroups(0, nullptr) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0)) _exit(126);
    if (main_thread) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(out);
  return pid;
}

// waitpid with a deadline; nullopt-like -1 when the child is still running at the deadline.
int wait_exit(pid_t pid, std::chrono::steady_clock::duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return 0; // already reaped
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(10ms);
  }
}

std::string slurp_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The pids whose parent is `parent`, from /proc.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (const dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    const std::string stat = slurp_file(fs::path("/proc") / e->d_name / "stat");
    const auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(close_paren + 2));
    char state = 0;
    pid_t ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent) out.push_back(pid);
  }
  closedir(proc);
  return out;
}

// Gone, or a zombie (which holds no shared memory): nothing of it stands in the way of a new postmaster.
bool process_gone(pid_t pid) {
  const std::string stat = slurp_file(fs::path("/proc") / std::to_string(pid) / "stat");
  const auto close_paren = stat.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= stat.size() || stat[close_paren + 2] == 'Z';
}

std::string uri_escaped(const std::string& text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

} // namespace

PgServer::PgServer() : bindir_(find_bindir()) {
  const Identity who = server_identity();
  // The socket path must stay under 108 bytes, and `nobody` must reach it: /tmp unless $TMPDIR is ours and short.
  fs::path base = fs::temp_directory_path();
  if (who.drop || base.string().size() > 60) base = "/tmp";
  std::string tmpl = (base / "recharged-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw failure("mkdtemp failed: " + std::string(std::strerror(errno)));
  dir_ = tmpl;
  if (who.drop && chown(dir_.c_str(), who.uid, who.gid) != 0)
    throw failure("cannot hand " + dir_.string() + " to nobody: " + std::strerror(errno));
  // The default port keeps the URL short; the socket lives in our own directory, and PostgreSQL moves on to a
  // free SysV shared memory key when another server on the machine uses the same port.
  port_ = 5432;

  const fs::path log = dir_ / "initdb.log";
  const pid_t initdb = spawn({(bindir_ / "initdb").string(), "-D", (dir_ / "data").string(), "--auth=trust",
                              "--username=" + std::string(k_user), "-E", "UTF8", "--no-locale", "--no-sync"},
                             log, who);
  const int status = wait_exit(initdb, k_deadline);
  if (status != 0 || !fs::exists(dir_ / "data" / "postgresql.conf")) {
    const std::string output = slurp_file(log);
    if (status == -1) {
      kill(initdb, SIGKILL);
      wait_exit(initdb, k_deadline);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw failure("initdb failed:\n" + output);
  }
  // fsync=off: the tests crash PostgreSQL (kill -9), never the operating system, whose page cache keeps every
  // write; so nothing is lost, and the suites run much faster.
  std::ofstream conf(dir_ / "data" / "postgresql.conf", std::ios::app);
  conf << "\n# recharged tests\nlisten_addresses = ''\nunix_socket_directories = '" << dir_.string()
       << "'\nport = " << port_ << "\nfsync = off\nfull_page_writes = off\nshared_buffers = 16MB\n"
       << "max_connections = 60\nlog_min_messages = warning\n";
  conf.close();
  start();
}

PgServer::~PgServer() {
  try {
    stop();
  } catch (...) { // a destructor at exit has nobody to tell
  }
}

PgServer& PgServer::shared() {
  static PgServer server;
  return server;
}

std::string PgServer::url(const std::string& database) const {
  return "postgresql://" + std::string(k_user) + "@/" + uri_escaped(database) + "?host=" + uri_escaped(dir_.string());
}

std::string PgServer::create_database() {
  if (stopped_) throw failure("the server is stopped");
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++databases_);
  PGconn* conn = PQconnectdb(url("postgres").c_str());
  const bool connected = PQstatus(conn) == CONNECTION_OK;
  PGresult* result = connected ? PQexec(conn, ("CREATE DATABASE " + name).c_str()) : nullptr;
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  const std::string error = PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw failure("cannot create database " + name + ": " + error);
  return url(name);
}

void PgServer::start() {
  postmaster_ = spawn({(bindir_ / "postgres").string(), "-D", (dir_ / "data").string()}, dir_ / "server.log",
                      server_identity());
  wait_until_ready();
}

// Ready once it accepts a connection; a postmaster that exits first fails with its log.
void PgServer::wait_until_ready() {
  const std::string conninfo = "host=" + dir_.string() + " port=" + std::to_string(port_) + " user=" + k_user +
                               " dbname=postgres connect_timeout=5";
  const auto deadline = std::chrono::steady_clock::now() + k_deadline;
  for (;;) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return;
    int status = 0;
    if (waitpid(postmaster_, &status, WNOHANG) == postmaster_) {
      postmaster_ = -1;
      throw failure("postgres exited while starting:\n" + log_tail());
    }
    if (std::chrono::steady_clock::now() >= deadline) throw failure("postgres did not accept connections:\n" + log_tail());
    std::this_thread::sleep_for(20ms);
  }
}

// Sends `signal` to the postmaster and reaps it; a server still up at the deadline is killed.
void PgServer::reap(int signal) {
  if (postmaster_ <= 0) return;
  kill(postmaster_, signal);
  if (wait_exit(postmaster_, k_deadline) == -1) {
    kill(postmaster_, SIGKILL);
    wait_exit(postmaster_, k_deadline);
  }
  postmaster_ = -1;
}

void PgServer::restart() {
  if (stopped_) throw failure("the server is stopped");
  reap(SIGINT); // PostgreSQL's fast shutdown, as pg_ctl restart -m fast
  start();
}

void PgServer::crash_and_restart() {
  if (stopped_) throw failure("the server is stopped");
  const auto backends = children_of(postmaster_);
  reap(SIGKILL);
  for (pid_t pid : backends) kill(pid, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + k_deadline;
  for (pid_t pid : backends)
    while (!process_gone(pid) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  start();
}

void PgServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  reap(SIGINT);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PgServer::log_tail() const {
  const std::string log = slurp_file(dir_ / "server.log");
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

} // namespace recharged::test
