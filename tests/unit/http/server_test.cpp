#include "http/server.hpp"

#include "core/clock.hpp"
#include "http/curl_transport.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

using namespace recharged;
using namespace recharged::http;

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

} // namespace

TEST_CASE("the listening socket queues as many connects as the system allows, not cpp-httplib's 5") {
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
