// `recharged sandbox` as a real process: start-up, the written config, the served platform, signals.
// Built as its own test binary because it needs the recharged executable.

#include "core/file.hpp"
#include "http/curl_transport.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace recharged;
using namespace std::chrono_literals;

namespace {

std::string binary() {
  if (const char* b = std::getenv("RECHARGED_BINARY"); b != nullptr && *b != '\0') return b;
  return RECHARGED_BINARY_PATH;
}

// A child process with its stdout on a pipe; stderr goes to a file. Killed if still running at the end.
class Child {
public:
  Child(const std::vector<std::string>& args, const std::filesystem::path& stderr_file) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(fds[0]);
      std::vector<char*> argv;
      std::string exe = binary();
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads stdout until it contains `marker` (true) or `limit` passes or the pipe closes (false).
  bool read_until(const std::string& marker, std::chrono::milliseconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (output_.find(marker) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) return false;
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // The exit code once the child has exited within `limit`; -1 if it did not, -2 if a signal killed it.
  int wait(std::chrono::milliseconds limit = 10s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  void signal(int sig) { kill(pid_, sig); }
  [[nodiscard]] const std::string& output() const { return output_; }

private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  std::string output_;
};

std::string capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return m[1].str();
}

nlohmann::json get_json(const std::string& base, const std::string& target) {
  SystemClock clock;
  http::CurlOptions o;
  o.hosts.push_back(http::parse_base_url(base, "base").value());
  o.timeout = 3s;
  http::CurlTransport t(o, clock);
  http::Request r;
  r.target = target;
  auto answer = t.send(r);
  REQUIRE(answer.ok());
  REQUIRE(answer->status == 200);
  return nlohmann::json::parse(answer->body);
}

std::vector<std::string> start_args(const test::TempDir& tmp) {
  return {"sandbox", "--state-dir", (tmp / "state").string(), "--listen", "127.0.0.1:0", "--speed", "60",
          "--start", "2026-11-23T09:00:00+08:00", "--calendar", std::string(RECHARGED_SOURCE_DIR) + "/data/calendar",
          "--notify-to", "http://127.0.0.1:1", "--seed", "7"};
}

} // namespace

TEST_CASE("recharged sandbox writes its config, serves the platform on virtual time and exits 0 on SIGTERM or SIGINT") {
  int sig = SIGTERM;
  SUBCASE("SIGTERM") { sig = SIGTERM; }
  SUBCASE("SIGINT") { sig = SIGINT; }
  test::TempDir tmp;
  Child child(start_args(tmp), tmp / "stderr.log");
  REQUIRE(child.read_until("Stop with Ctrl-C."));
  const std::string base = capture(child.output(), R"(platform on (http://127\.0\.0\.1:\d+))");
  const std::string config = capture(child.output(), R"(config written to (\S+))");
  CHECK(config == (tmp / "state" / "recharged.toml").string());
  const std::string toml = read_file(config).value();
  CHECK(toml.find("base_url = \"" + base + "\"") != std::string::npos);
  CHECK(toml.find("speed = 60.0") != std::string::npos);
  CHECK(toml.find("virtual_origin = \"2026-11-23T01:00:00+00:00\"") != std::string::npos);
  CHECK(toml.find("listen = \"127.0.0.1:1\"") != std::string::npos);

  const auto now = parse_rfc3339(get_json(base, "/sandbox/clock")["now"].get<std::string>()).value();
  CHECK(now >= parse_rfc3339("2026-11-23T09:00:00+08:00").value());
  CHECK(now < parse_rfc3339("2026-11-23T10:00:00+08:00").value()); // an hour of virtual time is a minute of real
  CHECK(get_json(base, "/sandbox/orders")["orders"].empty());

  child.signal(sig);
  CHECK(child.wait() == 0);
  CHECK(read_file(tmp / "stderr.log").value().find("event=sandbox_stopped") != std::string::npos);
}

TEST_CASE("a restarted sandbox keeps its keys and ids") {
  test::TempDir tmp;
  std::string first_id;
  {
    Child child(start_args(tmp), tmp / "stderr1.log");
    REQUIRE(child.read_until("Stop with Ctrl-C."));
    first_id = capture(child.output(), R"(public key id (PUB_KEY_ID_\d{32}))");
    child.signal(SIGTERM);
    CHECK(child.wait() == 0);
  }
  Child again(start_args(tmp), tmp / "stderr2.log");
  REQUIRE(again.read_until("Stop with Ctrl-C."));
  CHECK(capture(again.output(), R"(public key id (PUB_KEY_ID_\d{32}))") == first_id);
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
}

TEST_CASE("recharged sandbox refuses bad options with exit code 2 and says why") {
  test::TempDir tmp;
  const std::vector<std::vector<std::string>> cases{
      {"sandbox", "--state-dir", (tmp / "s").string(), "--listen", "0.0.0.0:0"},
      {"sandbox", "--state-dir", (tmp / "s").string(), "--speed", "0.5"},
      {"sandbox", "--state-dir", (tmp / "s").string(), "--payer-mix", "cash=1"},
      {"sandbox", "--state-dir", (tmp / "s").string(), "--fault-500", "2"},
      {"sandbox", "--state-dir", (tmp / "s").string(), "--start", "yesterday"},
  };
  for (const auto& args : cases) {
    Child child(args, tmp / "stderr.log");
    CHECK(child.wait() == 2);
    CHECK(read_file(tmp / "stderr.log").value().find("recharged: error:") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(tmp / "s" / "apiclient_key.pem"));
}
