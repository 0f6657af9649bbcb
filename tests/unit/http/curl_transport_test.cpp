#include "http/curl_transport.hpp"

#include "http/server.hpp"
#include "tests/support/command.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <poll.h>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <future>
#include <thread>
#include <unistd.h>

using namespace recharged;
using namespace recharged::http;
using namespace std::chrono;

namespace {

const TimePoint k_now{sys_days{year{2026} / 11 / 23}};

// An HTTP server on 127.0.0.1 that records what it receives and answers from a handler.
class Recorder {
public:
  explicit Recorder(std::function<Response(const ServerRequest&)> answer = nullptr) : answer_(std::move(answer)) {
    auto handler = [this](const ServerRequest& r) {
      {
        std::lock_guard lock(mu_);
        seen_.push_back(r);
      }
      if (answer_) return answer_(r);
      Response out;
      out.status = 200;
      out.body = "{\"ok\":true}";
      out.headers.add("Request-ID", "rid");
      return out;
    };
    server_.route(Method::get, ".*", handler);
    server_.route(Method::post, ".*", handler);
    port_ = server_.start("127.0.0.1", 0).value();
  }
  // Handlers still running touch mu_ and seen_, which are destroyed before server_: stop the server first.
  ~Recorder() { server_.stop(); }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  [[nodiscard]] BaseUrl url() const { return BaseUrl{"http", "127.0.0.1", port_}; }
  [[nodiscard]] int port() const { return port_; }
  std::vector<ServerRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::size_t connections() {
    std::set<int> ports;
    for (const auto& r : seen()) ports.insert(r.remote_port);
    return ports.size();
  }

private:
  std::function<Response(const ServerRequest&)> answer_;
  Server server_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<ServerRequest> seen_;
};

// A port on 127.0.0.1 where nothing listens (bound once, then released).
int closed_port() {
  Server s;
  const int port = s.start("127.0.0.1", 0).value();
  s.stop();
  return port;
}

CurlOptions options_for(std::vector<BaseUrl> hosts) {
  CurlOptions o;
  o.hosts = std::move(hosts);
  o.connect_timeout = Millis{2'000};
  o.timeout = Millis{5'000};
  return o;
}

Request get(std::string target) {
  Request r;
  r.target = std::move(target);
  return r;
}

Request post(std::string target, std::string body) {
  Request r;
  r.method = Method::post;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

// A 127.0.0.1 port that never completes a TCP handshake: a listener with a full accept queue, so the kernel
// drops further SYNs and a client waits for its connect timeout.
class Blackhole {
public:
  Blackhole() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener_, 0) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("blackhole listener failed");
    port_ = ntohs(addr.sin_port);
    for (int i = 0; i < 3; ++i) { // fill the accept queue
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(fd);
    }
    // The first filler's handshake completes into the queue (a backlog of 0 holds one): from then on the kernel
    // drops SYNs to this port. Wait for that, not for a time.
    pollfd first{fillers_.front(), POLLOUT, 0};
    if (::poll(&first, 1, 10'000) != 1) throw std::runtime_error("blackhole: the first connect never completed");
  }
  ~Blackhole() {
    for (int fd : fillers_) ::close(fd);
    ::close(listener_);
  }
  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;
  [[nodiscard]] BaseUrl url() const { return BaseUrl{"http", "127.0.0.1", port_}; }

private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

// `openssl s_server -www` with a self-signed certificate for 127.0.0.1: a TLS peer our transport must distrust
// unless told to trust that certificate. Killed (by pid) when the object dies.
class TlsServer {
public:
  explicit TlsServer(const test::TempDir& dir) {
    cert_ = (dir / "tls_cert.pem").string();
    const std::string key = (dir / "tls_key.pem").string();
    const auto made = test::run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                                        "-addext subjectAltName=IP:127.0.0.1 -keyout " + test::shell_quote(key) +
                                        " -out " + test::shell_quote(cert_) + " 2>/dev/null");
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed");
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, STDERR_FILENO); // s_server logs every refused handshake there
      ::close(out[0]);
      ::close(out[1]);
      ::execlp("openssl", "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert_.c_str(), "-key", key.c_str(),
               "-www", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    output_ = out[0]; // kept open until the end: s_server would die of SIGPIPE writing to a closed pipe
    // Read until the "ACCEPT 127.0.0.1:<port>" line, for at most 10 s.
    std::string line;
    const auto deadline = steady_clock::now() + seconds{10};
    while (!(line.find("ACCEPT") != std::string::npos && line.back() == '\n') && steady_clock::now() < deadline) {
      pollfd p{output_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c = 0;
      if (::read(output_, &c, 1) != 1) break;
      line += c;
    }
    const auto accept = line.find("ACCEPT");
    const auto colon = line.rfind(':');
    if (accept == std::string::npos || colon == std::string::npos || colon < accept) {
      stop();
      throw std::runtime_error("openssl s_server did not start: " + line);
    }
    port_ = std::stoi(line.substr(colon + 1));
  }
  ~TlsServer() { stop(); }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  [[nodiscard]] BaseUrl url() const { return BaseUrl{"https", "127.0.0.1", port_}; }
  [[nodiscard]] const std::string& cert_file() const { return cert_; }

private:
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (output_ >= 0) ::close(output_);
    output_ = -1;
  }

  pid_t pid_ = -1;
  int output_ = -1;
  int port_ = 0;
  std::string cert_;
};

} // namespace

TEST_CASE("a GET goes out with exactly our headers and the answer comes back whole") {
  Recorder server;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({server.url()}), clock);
  Request req = get("/v3/platsolution/ecommerce/recharges/out-recharge-no/cz1?sub_mchid=1900000110");
  req.headers.add("Accept", "application/json");
  req.headers.add("User-Agent", "recharged/0.1");
  req.headers.add("Authorization", "WECHATPAY2-SHA256-RSA2048 mchid=\"1\"");
  auto resp = transport.send(req);
  REQUIRE(resp.ok());
  CHECK(resp->status == 200);
  CHECK(resp->body == "{\"ok\":true}");
  CHECK(resp->headers.get("request-id") == "rid");
  const auto seen = server.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == Method::get);
  CHECK(seen[0].target == req.target);
  CHECK(seen[0].headers.get("Accept") == "application/json");
  CHECK(seen[0].headers.get("User-Agent") == "recharged/0.1");
  CHECK(seen[0].headers.get("Authorization") == "WECHATPAY2-SHA256-RSA2048 mchid=\"1\"");
  CHECK_FALSE(seen[0].headers.get("Expect").has_value());
  CHECK_FALSE(seen[0].headers.get("Accept-Encoding").has_value());
  CHECK(seen[0].body.empty());
}

TEST_CASE("a POST sends its body byte for byte with its Content-Type") {
  Recorder server;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({server.url()}), clock);
  Request req = post("/v3/platsolution/ecommerce/recharges/apply", "{\"remark\":\"充值\",\"n\":1}\n");
  req.headers.add("Content-Type", "application/json");
  REQUIRE(transport.send(req).ok());
  const auto seen = server.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == Method::post);
  CHECK(seen[0].body == req.body);
  CHECK(seen[0].headers.get("Content-Type") == "application/json");
  CHECK(seen[0].headers.get("Content-Length") == std::to_string(req.body.size()));
}

TEST_CASE("a body-less POST goes out empty and without a Content-Type we did not set") {
  Recorder server;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({server.url()}), clock);
  REQUIRE(transport.send(post("/v3/x/close?sub_mchid=1", "")).ok());
  const auto seen = server.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == Method::post);
  CHECK(seen[0].body.empty());
  CHECK(seen[0].headers.get("Content-Length") == "0");
  CHECK_FALSE(seen[0].headers.get("Content-Type").has_value());
}

TEST_CASE("many sequential requests reuse one keep-alive connection") {
  Recorder server;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({server.url()}), clock);
  for (int i = 0; i < 25; ++i) REQUIRE(transport.send(i % 2 == 0 ? get("/q") : post("/p", "{}")).ok());
  CHECK(server.seen().size() == 25);
  CHECK(server.connections() == 1);
}

TEST_CASE("concurrent callers each get a pooled handle and every request is answered") {
  Recorder server;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({server.url()}), clock);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (transport.send(get("/c")).ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 40);
  CHECK(server.connections() <= 4);
}

TEST_CASE("a refused connection is retryable, says it was not sent, and names the host") {
  ManualClock clock(k_now);
  CurlTransport transport(options_for({BaseUrl{"http", "127.0.0.1", closed_port()}}), clock);
  auto resp = transport.send(get("/q"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().kind == ErrorKind::retryable);
  CHECK(resp.error().code == "connect");
  CHECK(resp.error().message.find("127.0.0.1") != std::string::npos);
  CHECK(resp.error().message.find("not sent") != std::string::npos);
  CHECK(resp.error().field == "connect"); // the step, for a diagnosis
}

TEST_CASE("a name that does not resolve is a connect error whose step is resolve_host") {
  ManualClock clock(k_now);
  CurlTransport transport(options_for({BaseUrl{"http", "recharged-test.invalid", 80}}), clock);
  auto resp = transport.send(get("/q"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "connect");
  CHECK(resp.error().field == "resolve_host");
}

TEST_CASE("when the primary refuses, the request fails over to the backup, which stays preferred for the cooldown") {
  Recorder backup;
  ManualClock clock(k_now);
  auto options = options_for({BaseUrl{"http", "127.0.0.1", closed_port()}, backup.url()});
  options.failover_cooldown = Millis{60'000};
  CurlTransport transport(options, clock);
  CHECK(transport.preferred_host() == 0);
  auto resp = transport.send(post("/v3/apply", "{}"));
  REQUIRE(resp.ok());
  CHECK(resp->status == 200);
  CHECK(backup.seen().size() == 1);
  CHECK(transport.preferred_host() == 1);
  REQUIRE(transport.send(get("/q")).ok());
  CHECK(backup.seen().size() == 2);
  clock.advance(Millis{60'001});
  CHECK(transport.preferred_host() == 0);
}

TEST_CASE("when every host refuses, the error is the last host's and nothing is retried in a loop") {
  ManualClock clock(k_now);
  CurlTransport transport(options_for({BaseUrl{"http", "127.0.0.1", closed_port()},
                                       BaseUrl{"http", "127.0.0.1", closed_port()}}), clock);
  auto resp = transport.send(get("/q"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().kind == ErrorKind::retryable);
  CHECK(resp.error().code == "connect");
}

TEST_CASE("a host that never completes the handshake is abandoned after the connect timeout, as not sent") {
  Blackhole hole;
  ManualClock clock(k_now);
  auto options = options_for({hole.url()});
  options.connect_timeout = Millis{300};
  CurlTransport transport(options, clock);
  const auto t0 = steady_clock::now();
  auto resp = transport.send(post("/v3/apply", "{}"));
  const auto took = steady_clock::now() - t0;
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "timeout");
  CHECK(resp.error().kind == ErrorKind::retryable);
  CHECK(took >= Millis{250});
  CHECK(took < Millis{3'000});
}

TEST_CASE("a primary that times out connecting fails over to the backup") {
  Blackhole hole;
  Recorder backup;
  ManualClock clock(k_now);
  auto options = options_for({hole.url(), backup.url()});
  options.connect_timeout = Millis{300};
  CurlTransport transport(options, clock);
  auto resp = transport.send(post("/v3/apply", "{}"));
  REQUIRE(resp.ok());
  CHECK(backup.seen().size() == 1);
  CHECK(transport.preferred_host() == 1);
}

TEST_CASE("an HTTP error status is an answer, not a transport failure, and causes no failover") {
  Recorder primary([](const ServerRequest&) {
    Response r;
    r.status = 500;
    r.body = R"({"code":"SYSTEM_ERROR","message":"系统繁忙"})";
    return r;
  });
  Recorder backup;
  ManualClock clock(k_now);
  CurlTransport transport(options_for({primary.url(), backup.url()}), clock);
  auto resp = transport.send(get("/q"));
  REQUIRE(resp.ok());
  CHECK(resp->status == 500);
  CHECK(backup.seen().empty());
  CHECK(transport.preferred_host() == 0);
}

TEST_CASE("a server slower than the total timeout gives an ambiguous timeout without failover") {
  Recorder slow([](const ServerRequest&) {
    std::this_thread::sleep_for(Millis{1'500});
    Response r;
    r.status = 200;
    return r;
  });
  Recorder backup;
  ManualClock clock(k_now);
  auto options = options_for({slow.url(), backup.url()});
  options.timeout = Millis{300};
  CurlTransport transport(options, clock);
  const auto t0 = steady_clock::now();
  auto resp = transport.send(post("/v3/apply", "{}"));
  CHECK(steady_clock::now() - t0 < Millis{1'400});
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "timeout");
  CHECK(resp.error().kind == ErrorKind::ambiguous);
  CHECK(resp.error().message.find("may have reached") != std::string::npos);
  CHECK(backup.seen().empty());
}

TEST_CASE("an answer larger than the limit is discarded as too_large") {
  Recorder big([](const ServerRequest&) {
    Response r;
    r.status = 200;
    r.body = std::string(64 * 1024, 'x');
    return r;
  });
  ManualClock clock(k_now);
  auto options = options_for({big.url()});
  options.max_response_bytes = 16 * 1024;
  CurlTransport transport(options, clock);
  auto resp = transport.send(get("/q"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "too_large");
  CHECK(resp.error().kind == ErrorKind::ambiguous);
  CHECK(resp.error().message.find("16384") != std::string::npos);
  // An answer exactly at the limit is fine.
  Recorder exact([](const ServerRequest&) {
    Response r;
    r.status = 200;
    r.body = std::string(16 * 1024, 'y');
    return r;
  });
  CurlTransport transport2(options_for({exact.url()}), clock);
  auto ok = transport2.send(get("/q"));
  REQUIRE(ok.ok());
  CHECK(ok->body.size() == 16 * 1024);
}

TEST_CASE("a connection dropped mid-answer is an ambiguous reset") {
  Recorder dropper([](const ServerRequest&) {
    Response r;
    r.status = k_drop_connection;
    return r;
  });
  ManualClock clock(k_now);
  CurlTransport transport(options_for({dropper.url()}), clock);
  auto resp = transport.send(post("/v3/apply", "{}"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "reset");
  CHECK(resp.error().kind == ErrorKind::ambiguous);
}

TEST_CASE("a transfer in progress is abandoned as soon as the stop signal fires") {
  // The server holds the request until the test is over; the stop comes once the request has reached it.
  std::promise<void> arrived;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Recorder slow([&](const ServerRequest&) {
    arrived.set_value();
    (void)released.wait_for(std::chrono::seconds{30}); // longer than the transport's own timeouts
    Response r;
    r.status = 200;
    return r;
  });
  ManualClock clock(k_now);
  CurlTransport transport(options_for({slow.url()}), clock);
  StopSignal stop;
  transport.abort_on(&stop);
  std::thread stopper([&] {
    arrived.get_future().wait();
    stop.request_stop();
  });
  auto resp = transport.send(post("/v3/apply", "{}"));
  release.set_value();
  stopper.join();
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "aborted"); // not "timeout": the answer never came, the stop ended the wait
  CHECK(resp.error().kind == ErrorKind::ambiguous);
}

TEST_CASE("a transport with no hosts refuses to send") {
  ManualClock clock(k_now);
  CurlTransport transport(CurlOptions{}, clock);
  auto resp = transport.send(get("/q"));
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().kind == ErrorKind::internal);
}

TEST_CASE("a configured proxy receives the request with the absolute URL") {
  Recorder proxy;
  ManualClock clock(k_now);
  auto options = options_for({BaseUrl{"http", "127.0.0.1", closed_port()}});
  options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  CurlTransport transport(options, clock);
  auto resp = transport.send(get("/v3/q?sub_mchid=1"));
  REQUIRE(resp.ok());
  const auto seen = proxy.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target.starts_with("http://127.0.0.1:"));
  CHECK(seen[0].target.ends_with("/v3/q?sub_mchid=1"));
}

TEST_CASE("TLS verification is on: a self-signed server is refused until its certificate is trusted") {
  test::TempDir dir;
  TlsServer tls(dir);
  ManualClock clock(k_now);
  CurlTransport untrusting(options_for({tls.url()}), clock);
  auto refused = untrusting.send(get("/"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "tls");
  auto options = options_for({tls.url()});
  options.ca_file = tls.cert_file();
  CurlTransport trusting(options, clock);
  auto accepted = trusting.send(get("/"));
  REQUIRE(accepted.ok());
  CHECK(accepted->status == 200);
}
