#include "api/api_server.hpp"

#include "api/openapi.hpp"
#include "api/order_routes.hpp"
#include "api/problem.hpp"
#include "config/secrets.hpp"
#include "core/file.hpp"
#include "logging/event_line.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <cctype>
#include <chrono>

namespace recharged::api {
namespace {

using logging::EventLine;

// Workers beyond [api] workers: they only answer "busy" (503), so a request past the cap is told at once.
constexpr std::size_t k_spare_workers = 2;

Problem plain_problem(int status, std::string code, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.code = std::move(code);
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

Result<Tokens> load_tokens(const config::ApiConfig& c) {
  RECHARGED_TRY(const auto path, c.tokens_file.resolve());
  RECHARGED_CHECK(config::check_private_file(path, "api.tokens_file"));
  auto text = read_file(path);
  if (!text)
    return Error::invalid("api.tokens_file", "Config api.tokens_file '" + path.string() + "': the file cannot be read.");
  RECHARGED_TRY(Tokens tokens, Tokens::parse(*text, "api.tokens_file '" + path.string() + "'"));
  if (tokens.size() == 0)
    return Error::invalid("api.tokens_file", "Config api.tokens_file '" + path.string() +
                                                 "' holds no token; add a line \"write <token> <name>\".");
  return tokens;
}

http::ServerOptions server_options(const config::ApiConfig& c) {
  http::ServerOptions o;
  o.max_body_bytes = c.max_body_bytes;
  o.request_timeout = c.request_timeout;
  o.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.idle_timeout);
  o.max_connections = static_cast<std::size_t>(c.max_connections);
  o.max_connections_per_ip = static_cast<std::size_t>(c.max_connections_per_ip);
  o.workers = static_cast<std::size_t>(c.workers) + k_spare_workers;
  o.refusal = [](int status, std::string_view message) {
    const char* code = status == 413 ? "too_large" : status == 404 ? "no_route" : status == 405 ? "method_not_allowed"
                       : status == 500                             ? "internal"
                                                                   : "bad_request";
    std::string detail(message);
    if (status == 413) detail = "The request body is larger than api.max_body_bytes allows.";
    else if (!detail.empty()) detail[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(detail[0])));
    const auto r = problem_response(plain_problem(status, code, std::string(message), detail + (status == 413 ? "" : ".")));
    return std::pair{std::string("application/problem+json"), r.body};
  };
  return o;
}

} // namespace

struct ApiServer::Impl {
  Impl(const config::Config& c, ApiParts p, Tokens t, std::unique_ptr<storage::Backend> feed_db,
       std::unique_ptr<storage::Backend> keys_db)
      : parts(std::move(p)), tokens(std::move(t)), feed_database(std::move(feed_db)),
        keys_database(std::move(keys_db)), feed(feed_database->feed_store()), keys(keys_database->idempotency_keys()),
        routes(RouteContext{parts.service, parts.store, *feed, *keys, c.apply, parts.clock, stop, c.api.max_wait}),
        workers(c.api.workers), server(server_options(c.api)) {}

  enum class Access { open, read, write };
  using Handler = std::function<http::Response(const http::ServerRequest&)>;
  void route(http::Method method, const std::string& pattern, Access access, Handler handler);
  http::Response serve(const http::ServerRequest& req, Access access, const Handler& handler);
  void log_request(const http::ServerRequest& req, int status, std::chrono::steady_clock::duration took,
                   const std::string& token);

  ApiParts parts;
  Tokens tokens;
  std::unique_ptr<storage::Backend> feed_database;
  std::unique_ptr<storage::Backend> keys_database;
  std::unique_ptr<storage::FeedStore> feed;
  std::unique_ptr<storage::IdempotencyKeys> keys;
  StopSignal stop;
  OrderRoutes routes;
  int workers;
  std::atomic<int> in_flight{0};
  http::Server server;
  std::string address;
};

void ApiServer::Impl::route(http::Method method, const std::string& pattern, Access access, Handler handler) {
  server.route(method, pattern, [this, access, handler = std::move(handler)](const http::ServerRequest& req) {
    return serve(req, access, handler);
  });
}

http::Response ApiServer::Impl::serve(const http::ServerRequest& req, Access access, const Handler& handler) {
  const auto started = std::chrono::steady_clock::now();
  std::string token_name = "-";
  http::Response answer;
  std::optional<Tokens::Holder> holder;
  if (access != Access::open) holder = tokens.authenticate(req.headers.get("Authorization").value_or(""));
  if (access != Access::open && !holder) {
    answer = problem_response(plain_problem(401, "unauthorized", "Authentication required",
                                            "Send \"Authorization: Bearer <token>\" with a token of api.tokens_file."));
    answer.headers.set("WWW-Authenticate", "Bearer realm=\"recharged\"");
  } else if (access == Access::write && holder->scope != Scope::write) {
    token_name = holder->name;
    answer = problem_response(plain_problem(403, "forbidden", "The token may not do this",
                                            "The token '" + holder->name +
                                                "' has the read scope; creating, syncing and closing orders needs a "
                                                "token with the write scope."));
  } else {
    if (holder) token_name = holder->name;
    if (in_flight.fetch_add(1) >= workers) {
      Problem p = plain_problem(503, "busy", "Too many requests at once",
                                "The order API handles " + std::to_string(workers) +
                                    " requests at once ([api] workers) and all are taken; retry shortly.");
      p.retry_after = std::chrono::seconds{1};
      answer = problem_response(p);
    } else {
      try {
        answer = handler(req);
      } catch (const std::exception& e) {
        answer = problem_response(plain_problem(500, "internal", "Internal error", "The request failed unexpectedly."));
        parts.log->error(EventLine("api_internal_error").kv("path", req.path).kv("error", e.what()).str());
      }
    }
    in_flight.fetch_sub(1);
  }
  log_request(req, answer.status, std::chrono::steady_clock::now() - started, token_name);
  return answer;
}

void ApiServer::Impl::log_request(const http::ServerRequest& req, int status, std::chrono::steady_clock::duration took,
                                  const std::string& token) {
  if (!parts.log) return;
  EventLine line("api_request");
  line.kv("method", http::to_string(req.method)).kv("path", req.path).kv("status", status)
      .kv("latency_ms", static_cast<std::int64_t>(std::chrono::duration_cast<Millis>(took).count()))
      .kv("token", token).kv("client", req.remote_addr);
  if (status >= 500) parts.log->warn(line.str());
  else parts.log->info(line.str());
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::start(const config::Config& config, ApiParts parts) {
  const auto& c = config.api;
  if (!c.listen) return Error::invalid("api.listen", "The order API needs api.listen.");
  RECHARGED_TRY(Tokens tokens, load_tokens(c));
  RECHARGED_TRY(auto feed_db, parts.backend.connect_again());
  RECHARGED_TRY(auto keys_db, parts.backend.connect_again());
  auto impl = std::make_unique<Impl>(config, std::move(parts), std::move(tokens), std::move(feed_db), std::move(keys_db));
  Impl* d = impl.get();
  using M = http::Method;
  using A = Impl::Access;
  const std::string no = "/v1/orders/([^/]+)";
  d->route(M::post, "/v1/orders", A::write, [d](const auto& r) { return d->routes.create(r); });
  d->route(M::get, "/v1/orders", A::read, [d](const auto& r) { return d->routes.list(r); });
  d->route(M::get, no, A::read, [d](const auto& r) { return d->routes.get(r.path_params.at(0)); });
  d->route(M::post, no + "/sync", A::write, [d](const auto& r) { return d->routes.sync(r.path_params.at(0)); });
  d->route(M::post, no + "/close", A::write, [d](const auto& r) { return d->routes.close(r.path_params.at(0)); });
  d->route(M::get, "/v1/events", A::read, [d](const auto& r) { return d->routes.events(r); });
  d->route(M::get, "/v1/openapi.json", A::open, [](const auto&) {
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", "application/json");
    r.body = std::string(openapi_document());
    return r;
  });
  d->server.on_notice([log = d->parts.log, c](const http::ServerNotice& n) {
    if (!log) return;
    EventLine line("listener_" + std::string(n.kind == http::NoticeKind::body_too_large ? "body_too_large"
                                             : n.kind == http::NoticeKind::timed_out    ? "timed_out"
                                             : n.kind == http::NoticeKind::full         ? "full"
                                                                                        : "refused"));
    line.kv("listener", "api");
    if (!n.client.empty()) line.kv("client", n.client);
    line.kv("count", static_cast<std::int64_t>(n.count));
    if (n.kind == http::NoticeKind::body_too_large) line.kv("max_body_bytes", static_cast<std::int64_t>(c.max_body_bytes));
    log->warn(line.str());
  });
  auto port = d->server.start(c.listen->host, c.listen->port);
  if (!port) {
    Error e = std::move(port).error();
    e.message = "api.listen: " + e.message;
    return e;
  }
  d->address = c.listen->port == 0 && c.listen->host.starts_with("unix:")
                   ? c.listen->host
                   : c.listen->host + ":" + std::to_string(*port);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::stop() {
  if (!impl_) return;
  impl_->stop.request_stop();
  impl_->server.stop();
}

int ApiServer::port() const noexcept { return impl_->server.port(); }
const std::string& ApiServer::address() const noexcept { return impl_->address; }
http::ServerStats ApiServer::stats() const { return impl_->server.stats(); }

} // namespace recharged::api
