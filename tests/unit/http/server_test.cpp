#include "http/server.hpp"

#include "core/clock.hpp"
#include "http/curl_transport.hpp"
#include "tests/support/idle_connections.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

using namespace recharged;
using namespace recharged::http;
using recharged::test::eventually;

namespace {

const TimePoint k_now{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}};

// A client for the server under test: the production transport, pointed at 127.0.0.1:port.
struct Client {
  ManualClock clock{k_now};
  CurlTransport transport;
  explicit Client(int port) : transport(options(port), clock) {}
  static CurlOptions options(int port) {
    CurlOptions o;
    o.hosts = {BaseUrl{"http", "127.0.0.1", port}};
    o.timeout = Millis{5'000};
    return o;
  }
  Result<Response> get(std::string target) {
    Request r;
    r.target = std::move(target);
    return transport.send(r);
  }
  Result<Response> post(std::string target, std::string body) {
    Request r;
    r.method = Method::post;
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers.add("Content-Type", "application/json");
    return transport.send(r);
  }
};

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The accept-queue limit of this process's socket listening on 127.0.0.1:port, as the kernel reports it: TCP_INFO
// on a listening socket gives the backlog as tcpi_sacked.
std::optional<unsigned> listen_backlog(int port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) continue;
    sockaddr_in addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0 || addr.sin_family != AF_INET ||
        ntohs(addr.sin_port) != port)
      continue;
    tcp_info info{};
    socklen_t info_len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0) return info.tcpi_sacked;
  }
  return std::nullopt;
}

// Reads from `fd` until the peer ends the stream or a whole answer (headers plus Content-Length bytes) is in.
// Gives up after 20 s of silence: a hang guard, not a measurement.
std::string read_answer(int fd) {
  std::string in;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20'000) <= 0) return in;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return in;
    in.append(buf, static_cast<std::size_t>(n));
    const auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::size_t length = 0;
    if (const auto cl = in.find("Content-Length: "); cl != std::string::npos && cl < end)
      length = std::stoul(in.substr(cl + 16));
    if (in.size() >= end + 4 + length) return in;
  }
}

std::string exchange(int fd, const std::string& request) {
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return "";
  return read_answer(fd);
}

// The status of "HTTP/1.1 413 …", 0 when there is none.
int status_of(const std::string& answer) {
  if (answer.size() < 12 || !answer.starts_with("HTTP/1.")) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string body_of(const std::string& answer) {
  const auto end = answer.find("\r\n\r\n");
  return end == std::string::npos ? "" : answer.substr(end + 4);
}

// A whole exchange on a fresh connection from `source`.
std::string ask(int port, const std::string& request, const std::string& source = "127.0.0.1") {
  const int fd = test::connect_from(source, port);
  if (fd < 0) return "";
  std::string answer = exchange(fd, request);
  ::close(fd);
  return answer;
}

int connect_unix(const std::filesystem::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A field of /proc/self/status in KiB (VmRSS, VmHWM).
std::size_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(field + ":")) return std::stoul(line.substr(field.size() + 1));
  return 0;
}

// Resets VmHWM (the peak resident size) to the current size (proc(5), clear_refs).
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A server answering 200 on GET /p and 204 on POST /n, counting the calls.
struct Served {
  explicit Served(ServerOptions options = {}) : server(options) {
    server.route(Method::get, "/p", [this](const ServerRequest& r) {
      ++calls;
      return text(200, r.remote_addr);
    });
    server.route(Method::post, "/n", [this](const ServerRequest&) {
      ++calls;
      return text(204, "");
    });
  }
  int start() { return server.start("127.0.0.1", 0).value(); }
  std::atomic<int> calls{0};
  Server server;
};

const std::string k_get = "GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

} // namespace

TEST_CASE("the listening socket queues as many connects as the system allows") {
  Server server;
  server.route(Method::get, "/", [](const ServerRequest&) { return text(200, "{}"); });
  const auto port = server.start("127.0.0.1", 0);
  REQUIRE(port.ok());
  unsigned somaxconn = 0;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  REQUIRE(somaxconn > 0);
  const auto backlog = listen_backlog(*port);
  REQUIRE(backlog.has_value());
  CHECK(*backlog == std::min<unsigned>(SOMAXCONN, somaxconn));
  CHECK(*backlog > 5);
  CHECK(Client(*port).get("/").value().status == 200); // and it still serves
}

TEST_CASE("a server on port 0 gets a free port, routes by regex and hands handlers the raw target") {
  Server server;
  ServerRequest seen;
  server.route(Method::get, R"(/v3/orders/([^/]+))", [&](const ServerRequest& r) {
    seen = r;
    return text(200, "{}");
  });
  const auto port = server.start("127.0.0.1", 0);
  REQUIRE(port.ok());
  CHECK(*port > 0);
  CHECK(server.port() == *port);
  Client client(*port);
  auto resp = client.get("/v3/orders/cz%20001?sub_mchid=1900%2B1&x=%E5%85%85");
  REQUIRE(resp.ok());
  CHECK(resp->status == 200);
  CHECK(seen.method == Method::get);
  CHECK(seen.target == "/v3/orders/cz%20001?sub_mchid=1900%2B1&x=%E5%85%85");
  CHECK(seen.path == "/v3/orders/cz 001");
  REQUIRE(seen.path_params.size() == 1);
  CHECK(seen.path_params[0] == "cz 001");
  CHECK(seen.query_param("sub_mchid") == "1900+1");
  CHECK(seen.query_param("x") == "充");
  CHECK_FALSE(seen.query_param("absent").has_value());
  CHECK(seen.remote_addr == "127.0.0.1");
  CHECK(seen.remote_port > 0);
}

TEST_CASE("a handler's status, headers, content type and body reach the client, and the request body reaches it") {
  Server server;
  server.route(Method::post, "/echo", [](const ServerRequest& r) {
    Response out = text(201, r.body + "!");
    out.headers.add("Request-ID", "rid-1");
    out.headers.add("Content-Type", "text/plain; charset=utf-8");
    out.headers.add("X-Seen-Type", std::string(r.headers.get("content-type").value_or("")));
    return out;
  });
  const int port = server.start("127.0.0.1", 0).value();
  Client client(port);
  auto resp = client.post("/echo", "{\"a\":\"充值\"}");
  REQUIRE(resp.ok());
  CHECK(resp->status == 201);
  CHECK(resp->body == "{\"a\":\"充值\"}!");
  CHECK(resp->headers.get("request-id") == "rid-1");
  CHECK(resp->headers.get("Content-Type") == "text/plain; charset=utf-8");
  CHECK(resp->headers.get("X-Seen-Type") == "application/json");
}

TEST_CASE("unknown paths get 404 and the wrong method does not match a route") {
  Server server;
  server.route(Method::post, "/only-post", [](const ServerRequest&) { return text(200, "{}"); });
  const int port = server.start("127.0.0.1", 0).value();
  Client client(port);
  CHECK(client.get("/nowhere").value().status == 404);
  CHECK(client.get("/only-post").value().status != 200);
  CHECK(client.post("/only-post", "{}").value().status == 200);
}

TEST_CASE("a handler that throws yields a 500 with a JSON body and the server keeps serving") {
  Server server;
  server.route(Method::get, "/boom", [](const ServerRequest&) -> Response { throw std::runtime_error("boom"); });
  server.route(Method::get, "/ok", [](const ServerRequest&) { return text(200, "ok"); });
  const int port = server.start("127.0.0.1", 0).value();
  Client client(port);
  auto resp = client.get("/boom");
  REQUIRE(resp.ok());
  CHECK(resp->status == 500);
  CHECK(resp->body.find("\"code\"") != std::string::npos);
  CHECK(client.get("/ok").value().body == "ok");
}

TEST_CASE("a body larger than the limit is refused with 413 before the handler runs") {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Server server(options);
  std::atomic<int> calls{0};
  server.route(Method::post, "/n", [&](const ServerRequest&) {
    ++calls;
    return text(204, "");
  });
  const int port = server.start("127.0.0.1", 0).value();
  Client client(port);
  CHECK(client.post("/n", std::string(2048, 'x')).value().status == 413);
  CHECK(calls == 0);
  auto small = client.post("/n", std::string(512, 'x'));
  REQUIRE(small.ok());
  CHECK(small->status == 204);
  CHECK(small->body.empty());
  CHECK(calls == 1);
}

TEST_CASE("a handler returning k_drop_connection leaves the client with a reset, not an answer") {
  Server server;
  server.route(Method::get, "/drop", [](const ServerRequest&) { return text(k_drop_connection, ""); });
  const int port = server.start("127.0.0.1", 0).value();
  Client client(port);
  auto resp = client.get("/drop");
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "reset");
  CHECK(resp.error().kind == ErrorKind::ambiguous);
}

TEST_CASE("two clients show up as two connections and one client reuses its connection") {
  Server server;
  std::mutex mu;
  std::vector<int> ports;
  server.route(Method::get, "/p", [&](const ServerRequest& r) {
    std::lock_guard lock(mu);
    ports.push_back(r.remote_port);
    return text(200, "");
  });
  const int port = server.start("127.0.0.1", 0).value();
  Client a(port);
  Client b(port);
  REQUIRE(a.get("/p").ok());
  REQUIRE(a.get("/p").ok());
  REQUIRE(b.get("/p").ok());
  REQUIRE(ports.size() == 3);
  CHECK(ports[0] == ports[1]);
  CHECK(ports[0] != ports[2]);
}

TEST_CASE("binding a port that is already taken is an error naming the address") {
  Server first;
  const int port = first.start("127.0.0.1", 0).value();
  Server second;
  auto again = second.start("127.0.0.1", port);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(again.error().code == "address_in_use"); // what the daemon maps to its own exit status
  CHECK(again.error().kind == ErrorKind::conflict); // not a config mistake: another process holds it
  CHECK(second.port() == 0);

  // Nor can another process share the port by asking for SO_REUSEPORT: the server never set it.
  const int sharer = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(sharer, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  ::setsockopt(sharer, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::bind(sharer, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0);
  CHECK(errno == EADDRINUSE);
  ::close(sharer);
}

TEST_CASE("a server that cannot bind says so, naming the address, and a server starts only once") {
  Server server;
  auto foreign = server.start("192.0.2.1", 0); // TEST-NET-1: no interface here has it
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().code == "listen");
  CHECK(foreign.error().message.find("192.0.2.1:0") != std::string::npos);
  REQUIRE(server.start("127.0.0.1", 0).ok()); // a failed start leaves the server ready to try again
  auto twice = server.start("127.0.0.1", 0);
  REQUIRE_FALSE(twice.ok());
}

TEST_CASE("stop is idempotent and a stopped server refuses connections") {
  Server server;
  server.route(Method::get, "/", [](const ServerRequest&) { return text(200, ""); });
  const int port = server.start("127.0.0.1", 0).value();
  server.stop();
  server.stop();
  Client client(port);
  auto resp = client.get("/");
  REQUIRE_FALSE(resp.ok());
  CHECK(resp.error().code == "connect");
}

TEST_CASE("a chunked body past the limit gets 413 as soon as it passes it, and the rest is neither read nor kept") {
  ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  Served served(options);
  const int port = served.start();
  reset_peak_rss();
  const std::size_t rss_before = status_kib("VmRSS");
  const std::size_t total = 64 << 20;
  const test::Flood flood = test::flood_chunked(port, "/n", total);
  const std::string& answer = flood.answer;
  const std::size_t sent = flood.sent;
  INFO("sent " << sent << " bytes before the answer");
  CHECK(status_of(answer) == 413);
  CHECK(body_of(answer).find("\"code\":\"FAIL\"") != std::string::npos);
  CHECK(sent < total / 4);      // the server stopped reading: only what the socket buffers held went out
  CHECK(served.calls == 0);
  CHECK(served.server.stats().bodies_too_large == 1);
  const std::size_t peak = status_kib("VmHWM");
  INFO("resident " << rss_before << " KiB before, peak " << peak << " KiB");
  CHECK(peak < rss_before + 16 * 1024); // nothing near the 64 MiB was kept
}

TEST_CASE("a declared Content-Length past the limit gets 413 before any of the body is sent") {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Served served(options);
  const int port = served.start();
  const std::string answer =
      ask(port, "POST /n HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 67108864\r\n\r\n"); // and no body at all
  CHECK(status_of(answer) == 413);
  CHECK(answer.find("Connection: close") != std::string::npos);
  CHECK(served.calls == 0);
  CHECK(served.server.stats().bodies_too_large == 1);
}

TEST_CASE("a client trickling header lines is closed at the request deadline, however often it sends") {
  ServerOptions options;
  options.request_timeout = Millis{1'000};
  options.idle_timeout = std::chrono::seconds{30}; // never the reason here: a line comes every 100 ms
  Served served(options);
  const int port = served.start();
  const test::SlowHeaderClients slow(port, {"127.0.0.1"}, 3, Millis{100});
  REQUIRE(eventually([&] { return slow.closed_by_server() == 3; }, Millis{30'000}));
  for (const auto lived : slow.lifetimes()) CHECK(lived >= Millis{1'000}); // not before its deadline
  CHECK(served.server.stats().requests_timed_out == 3);
  CHECK(served.calls == 0);
  CHECK(status_of(ask(port, k_get)) == 200); // and it serves others as before
}

TEST_CASE("on a kept-alive connection the next request's deadline runs from the previous answer") {
  ServerOptions options;
  options.request_timeout = Millis{1'000};
  options.idle_timeout = std::chrono::seconds{30};
  Served served(options);
  const int port = served.start();
  const int fd = test::connect_from("127.0.0.1", port);
  REQUIRE(status_of(exchange(fd, k_get)) == 200);
  const auto answered = std::chrono::steady_clock::now();
  const std::string start = "GET /p HTTP/1.1\r\n";
  ::send(fd, start.data(), start.size(), MSG_NOSIGNAL);
  bool closed = false;
  while (!closed) { // one header line every 100 ms until the server ends the stream
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[256];
      closed = ::recv(fd, buf, sizeof buf, 0) <= 0;
    } else if (std::chrono::steady_clock::now() - answered > std::chrono::seconds{30}) {
      break;
    } else {
      ::send(fd, "X-Slow: x\r\n", 11, MSG_NOSIGNAL);
    }
  }
  ::close(fd);
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - answered >= Millis{1'000});
  CHECK(served.server.stats().requests_timed_out == 1);
}

TEST_CASE("a connection without traffic is closed at the idle timeout") {
  ServerOptions options;
  options.idle_timeout = std::chrono::seconds{1};
  Served served(options);
  const int port = served.start();
  const int fd = test::connect_from("127.0.0.1", port);
  REQUIRE(status_of(exchange(fd, k_get)) == 200);
  char buf[16];
  pollfd p{fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 30'000) == 1);
  CHECK(::recv(fd, buf, sizeof buf, 0) <= 0);
  ::close(fd);
  CHECK(served.server.stats().requests_timed_out == 0); // idle, not overdue
}

TEST_CASE("idle keep-alive connections hold no worker: the one worker serves a new client at once") {
  ServerOptions options;
  options.workers = 1;
  options.idle_timeout = std::chrono::seconds{60};
  Served served(options);
  const int port = served.start();
  const test::IdleConnections idle(port, 2, "/p");
  CHECK(eventually([&] { return served.server.stats().workers_busy == 0; }, Millis{10'000})); // once answered
  CHECK(served.server.stats().connections_open == 2);
  auto answer = Client(port).get("/p"); // 5 s client timeout, far below the 60 s the idle connections may wait
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(answer->status == 200);
}

TEST_CASE("while every worker is busy, requests queue with their wait visible and the event thread still answers") {
  ServerOptions options;
  options.workers = 1;
  options.max_body_bytes = 1024;
  Server server(options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.route(Method::get, "/slow", [released](const ServerRequest&) {
    released.wait();
    return text(200, "slow");
  });
  server.route(Method::post, "/n", [](const ServerRequest&) { return text(204, ""); });
  const int port = server.start("127.0.0.1", 0).value();
  std::string first, second;
  std::thread a([&] { first = ask(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
  REQUIRE(eventually([&] { return server.stats().workers_busy == 1; }, Millis{10'000}));
  std::thread b([&] { second = ask(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
  REQUIRE(eventually([&] { return server.stats().queued == 1; }, Millis{10'000}));
  CHECK(eventually([&] { return server.stats().oldest_wait_seconds > 0.05; }, Millis{10'000}));
  // No worker is free, yet a refusal that needs none is answered at once.
  CHECK(status_of(ask(port, "POST /n HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n")) == 413);
  release.set_value();
  a.join();
  b.join();
  CHECK(status_of(first) == 200);
  CHECK(status_of(second) == 200);
  CHECK(server.stats().queued == 0);
  CHECK(server.stats().oldest_wait_seconds == 0);
}

TEST_CASE("a client address gets no more connections than its cap; other addresses are not affected") {
  ServerOptions options;
  options.max_connections_per_ip = 2;
  Served served(options);
  const int port = served.start();
  {
    auto two = std::make_unique<test::IdleConnections>(port, 2, "/p", "127.0.0.1");
    CHECK(ask(port, k_get, "127.0.0.1").empty()); // accepted by the kernel, then closed unanswered
    CHECK(status_of(ask(port, k_get, "127.0.0.2")) == 200);
    CHECK(body_of(ask(port, k_get, "127.0.0.3")) == "127.0.0.3");
    CHECK(served.server.stats().connections_refused == 1);
    two.reset(); // their slots come free once the server has seen them close
    CHECK(eventually([&] { return status_of(ask(port, k_get, "127.0.0.1")) == 200; }, Millis{10'000}));
  }
}

TEST_CASE("refusals are reported at once and then at most once a second, with how many there were") {
  ServerOptions options;
  options.max_connections_per_ip = 1;
  Server server(options);
  server.route(Method::get, "/p", [](const ServerRequest&) { return text(200, ""); });
  std::mutex mu;
  std::vector<ServerNotice> notices;
  server.on_notice([&](const ServerNotice& n) {
    std::lock_guard lock(mu);
    notices.push_back(n);
  });
  const int port = server.start("127.0.0.1", 0).value();
  const test::IdleConnections one(port, 1, "/p", "127.0.0.5");
  for (int i = 0; i < 20; ++i) CHECK(ask(port, k_get, "127.0.0.5").empty());
  const auto reported = [&] {
    std::lock_guard lock(mu);
    std::uint64_t sum = 0;
    for (const auto& n : notices) sum += n.kind == NoticeKind::refused ? n.count : 0;
    return sum;
  };
  REQUIRE(eventually([&] { return reported() == 20; }, Millis{10'000}));
  std::lock_guard lock(mu);
  REQUIRE_FALSE(notices.empty());
  CHECK(notices[0].kind == NoticeKind::refused);
  CHECK(notices[0].count == 1);
  CHECK(notices[0].client == "127.0.0.5");
  CHECK(notices.size() < 20);
  CHECK(server.stats().connections_refused == 20);
}

TEST_CASE("at the connection cap, new connections wait for a free slot instead of being refused") {
  ServerOptions options;
  options.max_connections = 2;
  options.max_connections_per_ip = 0;
  Served served(options);
  const int port = served.start();
  std::future<std::string> late;
  {
    const test::IdleConnections two(port, 2, "/p");
    REQUIRE(eventually([&] { return served.server.stats().connections_open == 2; }, Millis{10'000}));
    const int fd = test::connect_from("127.0.0.1", port); // queued by the kernel, not yet accepted
    REQUIRE(fd >= 0);
    ::send(fd, k_get.data(), k_get.size(), MSG_NOSIGNAL);
    pollfd p{fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 200) == 0); // no answer while the cap is reached
    late = std::async(std::launch::async, [fd] {
      std::string answer = read_answer(fd);
      ::close(fd);
      return answer;
    });
  } // the two idle connections close here
  REQUIRE(late.wait_for(std::chrono::seconds{30}) == std::future_status::ready);
  CHECK(status_of(late.get()) == 200);
  CHECK(served.server.stats().connections_refused == 0);
}

TEST_CASE("a server listens on a unix socket: mode 0660, no per-client cap, a live owner kept, a stale file replaced") {
  test::TempDir dir;
  const auto path = dir / "api.sock";
  ServerOptions options;
  options.max_connections_per_ip = 1;
  {
    Served served(options);
    const auto port = served.server.start("unix:" + path.string(), 0);
    REQUIRE_MESSAGE(port.ok(), port.error().message);
    CHECK(*port == 0);
    struct stat st{};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0660);
    std::vector<int> fds;
    for (int i = 0; i < 3; ++i) { // three at once from the same "client": unix sockets have no per-client cap
      fds.push_back(connect_unix(path));
      REQUIRE(fds.back() >= 0);
      const std::string answer = exchange(fds.back(), k_get);
      CHECK(status_of(answer) == 200);
      CHECK(body_of(answer) == "unix");
    }
    for (const int fd : fds) ::close(fd);

    Server second;
    auto taken = second.start("unix:" + path.string(), 0);
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().code == "address_in_use");
    CHECK(taken.error().message.find(path.string()) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(path)); // stop() removed it

  // A socket file left behind by a server that died: nobody answers on it, so it is replaced.
  const int dead = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(dead, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  ::close(dead);
  REQUIRE(std::filesystem::exists(path));
  Served again;
  REQUIRE(again.server.start("unix:" + path.string(), 0).ok());
  const int fd = connect_unix(path);
  CHECK(status_of(exchange(fd, k_get)) == 200);
  ::close(fd);

  // Anything but a socket at the path is left alone.
  const auto file = dir.write("not-a-socket", "data");
  Served other;
  auto refused = other.server.start("unix:" + file.string(), 0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "listen");
  CHECK(test::slurp(file) == "data");
}

TEST_CASE("malformed requests get 400 and never reach a handler") {
  Served served;
  const int port = served.start();
  const std::string host = "Host: 127.0.0.1\r\n";
  const std::string get = "GET /p HTTP/1.1\r\n" + host;
  const std::string post = "POST /n HTTP/1.1\r\n" + host;
  const std::string chunked = "Transfer-Encoding: chunked\r\n";
  CHECK(status_of(ask(port, get + "Content-Length: 5\r\n\r\nhello")) == 400);          // a body on GET
  CHECK(status_of(ask(port, get + chunked + "\r\n0\r\n\r\n")) == 400);                // … chunked or not
  CHECK(status_of(ask(port, post + chunked + "\r\nzz\r\nabc\r\n0\r\n\r\n")) == 400);   // not a chunk size
  CHECK(status_of(ask(port, post + chunked + "\r\n3\r\nabcdef\r\n0\r\n\r\n")) == 400); // longer than said
  CHECK(status_of(ask(port, post + "Transfer-Encoding: gzip\r\n\r\nabc")) == 400);     // an unknown coding
  CHECK(status_of(ask(port, post + chunked + "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n")) == 400);
  CHECK(status_of(ask(port, post + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")) == 400);
  std::string many = get;
  for (int i = 0; i < 150; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  CHECK(status_of(ask(port, many + "\r\n")) == 400);
  CHECK(status_of(ask(port, "GET /p HTTP/1.1\r\n\r\n")) == 400); // HTTP/1.1 without Host
  CHECK(served.calls == 0);
  // Well-formed ones still pass: a chunked POST, and the same GET with a sane number of fields.
  CHECK(status_of(ask(port, post + chunked + "\r\n3\r\nabc\r\n0\r\n\r\n")) == 204);
  CHECK(status_of(ask(port, k_get)) == 200);
  CHECK(served.calls == 2);
}

TEST_CASE("a header section larger than the connection's memory gets an error answer, not a buffer that grows") {
  ServerOptions options;
  options.connection_memory_bytes = 8 * 1024;
  Served served(options);
  const int port = served.start();
  const std::string answer = ask(port, "GET /p HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  CHECK(status_of(answer) == 431);
  CHECK(served.calls == 0);
}

TEST_CASE("answers carry no Server header and a handler that throws gets exactly the internal-error body") {
  Server server;
  server.route(Method::get, "/boom", [](const ServerRequest&) -> Response { throw std::runtime_error("secret detail"); });
  const int port = server.start("127.0.0.1", 0).value();
  const std::string answer = ask(port, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(status_of(answer) == 500);
  CHECK(body_of(answer) == R"({"code":"FAIL","message":"internal error"})");
  std::string lower = answer;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  CHECK(lower.find("\r\nserver:") == std::string::npos);
  CHECK(status_of(ask(port, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")) == 404);
  CHECK(lower.find("\r\nserver:") == std::string::npos);
}

TEST_CASE("stop lets a handler in flight finish and its answer reach the client") {
  Server server;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.route(Method::get, "/slow", [&entered, released](const ServerRequest&) {
    entered.set_value();
    released.wait();
    return text(200, "done");
  });
  const int port = server.start("127.0.0.1", 0).value();
  std::string answer;
  std::thread client([&] { answer = ask(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
  entered.get_future().wait();
  std::thread stopper([&] { server.stop(); });
  REQUIRE(eventually([&] { return ask(port, k_get).empty(); }, Millis{10'000})); // no longer accepting
  release.set_value();
  stopper.join();
  client.join();
  CHECK(status_of(answer) == 200);
  CHECK(body_of(answer) == "done");
}
