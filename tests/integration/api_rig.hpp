#pragma once

// The order API through the real daemon: a rig whose config has an [api] section and a tokens file, a raw
// HTTP/1.1 client over TCP or a unix socket (so every header and status is seen as sent), and a record of every
// answer, which integration_api_openapi checks against api/openapi.json.

#include "tests/integration/rig.hpp"
#include "tests/support/pg_server.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <string>

namespace recharged::test {

inline const std::string k_write_token = "w0c1f3b8e2a94d6b8f7e5a3c1d9b2f4e6a8c0e2d4f6b8a0c2e4f6a8b0d2e4f6a8";
inline const std::string k_read_token = "r9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8";

struct ApiAnswer {
  int status = 0;
  std::map<std::string, std::string> headers; // names lower-case
  std::string body;
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Every answer of this test binary, one JSON line each, for the OpenAPI check.
inline void record_answer(const std::string& method, const std::string& target, const ApiAnswer& a) {
  static std::mutex mu;
  static bool truncated = false;
  const char* dir = std::getenv("RECHARGED_BUILD_DIR");
  if (dir == nullptr) return;
  std::lock_guard lock(mu);
  const std::string path = std::string(dir) + "/tests/integration/integration_api_answers.jsonl";
  std::ofstream out(path, truncated ? std::ios::app : std::ios::trunc);
  truncated = true;
  nlohmann::json line{{"method", method}, {"target", target}, {"status", a.status}, {"headers", a.headers},
                      {"body", a.body}};
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// Where the API listens: a TCP port on 127.0.0.1, or a unix socket path.
struct ApiAddress {
  int port = 0;
  std::string unix_path;
};

inline int connect_to(const ApiAddress& at) {
  if (!at.unix_path.empty()) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    at.unix_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(at.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One request on a fresh connection ("Connection: close"), read to the end. status 0: no answer.
inline ApiAnswer api_call(const ApiAddress& at, const std::string& method, const std::string& target,
                          const std::string& body = "", std::vector<std::pair<std::string, std::string>> headers = {},
                          const std::string& token = k_write_token) {
  ApiAnswer a;
  const int fd = connect_to(at);
  if (fd < 0) return a;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (method == "POST") req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  for (std::size_t sent = 0; sent < req.size();) {
    const auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break; // the server may answer (413) before taking the whole body
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return a;
  a.status = std::stoi(raw.substr(9, 3));
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    a.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
  }
  a.body = raw.substr(head_end + 4);
  if (a.headers.count("transfer-encoding") != 0) { // chunked: join the chunks
    std::string joined;
    for (std::size_t at_ = 0;;) {
      const auto eol = a.body.find("\r\n", at_);
      if (eol == std::string::npos) break;
      const std::size_t size = std::stoul(a.body.substr(at_, eol - at_), nullptr, 16);
      if (size == 0) break;
      joined += a.body.substr(eol + 2, size);
      at_ = eol + 2 + size + 2;
    }
    a.body = joined;
  }
  record_answer(method, target, a);
  return a;
}

struct ApiRigOptions {
  std::string listen = "127.0.0.1:0"; // or "unix" for <rig dir>/api.sock
  int workers = 4;
  int max_body_bytes = 4096;
  std::string max_wait = "30s";
  double speed = 60;
  bool postgres = false; // a fresh database on the test process's PostgreSQL server instead of an SQLite file
};

// A rig and its daemon with the order API on.
struct ApiRig {
  explicit ApiRig(ApiRigOptions o = {}) : rig(rig_options(o.speed)) {
    const auto tokens = rig.dir().write("api-tokens", "# scope token name\nwrite " + k_write_token +
                                                          " backoffice\nread " + k_read_token + " dashboard\n");
    std::string listen = o.listen;
    if (listen == "unix") {
      address.unix_path = (rig.dir() / "api.sock").string();
      listen = "unix:" + address.unix_path;
    }
    rig.config().extra_toml = "[api]\nlisten = \"" + listen + "\"\ntokens_file = \"" + tokens.string() +
                              "\"\nworkers = " + std::to_string(o.workers) +
                              "\nmax_body_bytes = " + std::to_string(o.max_body_bytes) + "\nmax_wait = \"" +
                              o.max_wait + "\"\n";
    if (o.postgres) rig.config().database_url = PgServer::shared().create_database();
    rig.write_config();
  }

  static RigOptions rig_options(double speed) {
    RigOptions r;
    r.speed = speed;
    return r;
  }

  void start() {
    const std::size_t from = rig.daemon_log_text().size();
    daemon = rig.start_daemon();
    REQUIRE(rig.wait_for_log("event=listening api=", Millis{30'000}, from));
    if (address.unix_path.empty()) {
      address.port = listening_port(rig.daemon_log_text().substr(from), "api");
      REQUIRE(address.port > 0);
    }
  }

  [[nodiscard]] ApiAnswer call(const std::string& method, const std::string& target, const std::string& body = "",
                               std::vector<std::pair<std::string, std::string>> headers = {},
                               const std::string& token = k_write_token) const {
    return api_call(address, method, target, body, std::move(headers), token);
  }

  [[nodiscard]] std::string create_body(const std::string& no, std::int64_t fen = 50000) const {
    nlohmann::json b{{"sub_mchid", rig.sub_mchid()}, {"amount_fen", fen}};
    if (!no.empty()) b["out_recharge_no"] = no;
    return b.dump();
  }

  Rig rig;
  ApiAddress address;
  std::unique_ptr<Process> daemon;
};

} // namespace recharged::test
