#include "http/server.hpp"

#include "http/connection_table.hpp"
#include "http/handler_pool.hpp"
#include "http/listen_socket.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>

namespace recharged::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto k_notice_interval = std::chrono::seconds{1};
// How long stop() lets answers already made reach their clients before it closes the connections.
constexpr auto k_answer_grace = std::chrono::seconds{2};

std::string fail_body(std::string_view message) { // our own fixed messages: nothing to escape
  return R"({"code":"FAIL","message":")" + std::string(message) + "\"}";
}

// Content-Type and body of a refusal, by ServerOptions::refusal when set.
std::pair<std::string, std::string> refusal_of(const ServerOptions& o, int status, std::string_view message) {
  if (o.refusal) return o.refusal(status, message);
  return {"application/json", fail_body(message)};
}

struct Peer {
  std::string addr;
  int port = 0;
};

Peer peer_of(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) return {"unknown", 0};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return {text, ntohs(in->sin_port)};
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    return {text, ntohs(in6->sin6_port)};
  }
  if (sa->sa_family == AF_UNIX) return {"unix", 0};
  return {"unknown", 0};
}

Peer peer_of(MHD_Connection* c) {
  const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return peer_of(info != nullptr ? info->client_addr : nullptr);
}

int socket_of(MHD_Connection* c) {
  const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info != nullptr ? info->connect_fd : -1;
}

// Reports of denied clients: the first at once, then at most one per kind per interval with the count since the
// previous one; flush() sends what an interval held back.
class NoticeGate {
public:
  void set_sink(NoticeSink sink) { sink_ = std::move(sink); }

  void note(NoticeKind kind, std::string client, SteadyClock::time_point now) {
    std::optional<ServerNotice> out;
    {
      std::lock_guard lock(mu_);
      Slot& s = slots_[static_cast<std::size_t>(kind)];
      ++s.pending;
      s.client = std::move(client);
      if (!s.sent || now - s.last >= k_notice_interval) out = take(kind, s, now);
    }
    if (out && sink_) sink_(*out);
  }

  void flush(SteadyClock::time_point now) {
    std::vector<ServerNotice> out;
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].pending > 0 && now - slots_[i].last >= k_notice_interval)
          out.push_back(take(static_cast<NoticeKind>(i), slots_[i], now));
    }
    if (sink_)
      for (const auto& n : out) sink_(n);
  }

private:
  struct Slot {
    std::uint64_t pending = 0;
    std::string client;
    SteadyClock::time_point last{};
    bool sent = false;
  };
  static ServerNotice take(NoticeKind kind, Slot& s, SteadyClock::time_point now) {
    ServerNotice n{kind, std::move(s.client), s.pending};
    s.pending = 0;
    s.last = now;
    s.sent = true;
    return n;
  }

  std::mutex mu_;
  std::array<Slot, 4> slots_{};
  NoticeSink sink_;
};

struct Route {
  Method method;
  std::regex pattern;
  Server::Handler handler;
};

// One request on one connection, from its request line to the end of its answer (MHD's request context).
struct Exchange {
  explicit Exchange(std::string raw_target) : target(std::move(raw_target)) {}
  std::string target;
  ServerRequest request;
  const Route* route = nullptr;
  MHD_Connection* connection = nullptr;
  bool begun = false;      // the handler saw the headers
  bool dispatched = false; // handed to the pool, connection suspended
  std::atomic<bool> answered{false};
  Response answer;         // written by the worker before `answered`
};

void parse_target(const std::string& target, ServerRequest& r) {
  const auto q = target.find('?');
  r.target = target;
  r.path = url_decode(std::string_view(target).substr(0, q));
  if (q == std::string::npos) return;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    r.query.emplace_back(url_decode(pair.substr(0, eq), PlusSign::space),
                         eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1), PlusSign::space));
  }
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Headers*>(cls)->add(key, value != nullptr ? value : "");
  return MHD_YES;
}

// A body that fails after its headers went out: the client sees the connection end mid-answer.
ssize_t broken_content(void*, std::uint64_t, char*, std::size_t) { return MHD_CONTENT_READER_END_WITH_ERROR; }

} // namespace

std::string_view to_string(NoticeKind kind) noexcept {
  switch (kind) {
  case NoticeKind::refused: return "refused";
  case NoticeKind::full: return "full";
  case NoticeKind::timed_out: return "timed_out";
  case NoticeKind::body_too_large: return "body_too_large";
  }
  return "?";
}

std::optional<std::string_view> ServerRequest::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

struct Server::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)), pool(options.workers) {}

  // libmicrohttpd's callbacks, all on its event thread.
  MHD_Result accept_policy(const sockaddr* addr);
  void connection_event(MHD_Connection* c, MHD_ConnectionNotificationCode code);
  MHD_Result access(MHD_Connection* c, const char* method, const char* upload, std::size_t* upload_size, void** cls);
  void request_completed(MHD_Connection* c, void** cls);

  MHD_Result begin(Exchange& ex, MHD_Connection* c, std::string_view method);
  MHD_Result refuse(MHD_Connection* c, unsigned status, std::string_view message);
  MHD_Result body_too_large(const Exchange& ex, MHD_Connection* c, std::size_t declared);
  MHD_Result take_body(Exchange& ex, MHD_Connection* c, const char* data, std::size_t* size);
  MHD_Result dispatch(Exchange& ex, MHD_Connection* c);
  MHD_Result send_answer(Exchange& ex, MHD_Connection* c);
  void handle(Exchange& ex); // on a worker
  void reap();               // on the deadline thread

  ServerOptions options;
  std::vector<Route> routes;
  NoticeGate notices;
  ConnectionTable table;
  HandlerPool pool;
  ListenSocket listener;
  MHD_Daemon* daemon = nullptr;
  bool started = false;
  std::thread reaper;
  std::atomic<bool> closing{false}; // stop() began: new requests get 503
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // the deadline thread ends
  std::size_t owed = 0;   // dispatched requests whose answer has not gone out
  std::atomic<std::uint64_t> accepted{0}, refused{0}, too_large{0};
};

namespace {

MHD_Result on_accept(void* cls, const sockaddr* addr, socklen_t) {
  return static_cast<Server::Impl*>(cls)->accept_policy(addr);
}
void on_connection(void* cls, MHD_Connection* c, void**, MHD_ConnectionNotificationCode code) {
  static_cast<Server::Impl*>(cls)->connection_event(c, code);
}
void* on_request_line(void*, const char* uri, MHD_Connection*) { return new Exchange(uri != nullptr ? uri : ""); }
MHD_Result on_access(void* cls, MHD_Connection* c, const char*, const char* method, const char*, const char* upload,
                     std::size_t* upload_size, void** req) {
  return static_cast<Server::Impl*>(cls)->access(c, method, upload, upload_size, req);
}
void on_completed(void* cls, MHD_Connection* c, void** req, MHD_RequestTerminationCode) {
  static_cast<Server::Impl*>(cls)->request_completed(c, req);
}

} // namespace

MHD_Result Server::Impl::accept_policy(const sockaddr* addr) {
  if (options.max_connections_per_ip == 0 || addr == nullptr || addr->sa_family == AF_UNIX) return MHD_YES;
  std::string client = peer_of(addr).addr;
  // Counted when the connection starts, right after this on the same thread: no other accept comes between.
  if (table.from(client) < options.max_connections_per_ip) return MHD_YES;
  ++refused;
  notices.note(NoticeKind::refused, std::move(client), SteadyClock::now());
  return MHD_NO;
}

void Server::Impl::connection_event(MHD_Connection* c, MHD_ConnectionNotificationCode code) {
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    table.closed(c); // before libmicrohttpd closes the socket
    return;
  }
  const auto now = SteadyClock::now();
  table.opened(c, socket_of(c), peer_of(c).addr, now);
  ++accepted;
  if (table.open() >= options.max_connections) notices.note(NoticeKind::full, "", now);
}

MHD_Result Server::Impl::access(MHD_Connection* c, const char* method, const char* upload, std::size_t* upload_size,
                                void** cls) {
  if (*cls == nullptr) *cls = new Exchange(""); // the request-line callback always sets one
  Exchange& ex = *static_cast<Exchange*>(*cls);
  if (!ex.begun) {
    ex.begun = true;
    return begin(ex, c, method != nullptr ? method : "");
  }
  if (*upload_size > 0) return take_body(ex, c, upload, upload_size);
  if (!ex.dispatched) return dispatch(ex, c);
  if (ex.answered.load(std::memory_order_acquire)) return send_answer(ex, c);
  return MHD_YES;
}

MHD_Result Server::Impl::begin(Exchange& ex, MHD_Connection* c, std::string_view method) {
  ServerRequest& r = ex.request;
  ex.connection = c;
  Peer peer = peer_of(c);
  r.remote_addr = std::move(peer.addr);
  r.remote_port = peer.port;
  if (method == "GET") r.method = Method::get;
  else if (method == "POST") r.method = Method::post;
  else return refuse(c, 405, "method not allowed");
  const int fields = MHD_get_connection_values(c, MHD_HEADER_KIND, nullptr, nullptr);
  if (fields < 0 || static_cast<std::size_t>(fields) > options.max_header_count)
    return refuse(c, 400, "too many header fields");
  MHD_get_connection_values(c, MHD_HEADER_KIND, &collect_header, &r.headers);
  std::size_t lengths = 0, encodings = 0;
  std::uint64_t declared = 0;
  for (const auto& [k, v] : r.headers.all()) {
    if (iequals(k, "Transfer-Encoding")) ++encodings;
    if (!iequals(k, "Content-Length")) continue;
    ++lengths;
    std::from_chars(v.data(), v.data() + v.size(), declared); // libmicrohttpd has refused malformed lengths
  }
  const auto encoding = r.headers.get("Transfer-Encoding");
  if (encodings > 1 || (encoding && !iequals(*encoding, "chunked")))
    return refuse(c, 400, "unsupported transfer encoding");
  if (lengths > 1 || (encodings > 0 && lengths > 0)) return refuse(c, 400, "conflicting body lengths");
  if (r.method == Method::get && (encodings > 0 || declared > 0)) return refuse(c, 400, "a GET request has no body");
  if (declared > options.max_body_bytes) return body_too_large(ex, c, declared);
  parse_target(ex.target, r);
  for (const auto& route : routes) {
    std::smatch m;
    if (route.method != r.method || !std::regex_match(r.path, m, route.pattern)) continue;
    ex.route = &route;
    for (std::size_t i = 1; i < m.size(); ++i) r.path_params.push_back(m[i].str());
    break;
  }
  if (ex.route == nullptr) return refuse(c, 404, "not found");
  r.body.reserve(static_cast<std::size_t>(declared));
  return MHD_YES;
}

// An answer before the request was read to its end; libmicrohttpd then reads no further and closes after it.
MHD_Result Server::Impl::refuse(MHD_Connection* c, unsigned status, std::string_view message) {
  (void)table.answering(c);
  const auto [type, body] = refusal_of(options, static_cast<int>(status), message);
  MHD_Response* res =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (res == nullptr) return MHD_NO;
  MHD_add_response_header(res, "Content-Type", type.c_str());
  MHD_add_response_header(res, "Connection", "close");
  const MHD_Result queued = MHD_queue_response(c, status, res);
  MHD_destroy_response(res);
  return queued;
}

MHD_Result Server::Impl::body_too_large(const Exchange& ex, MHD_Connection* c, std::size_t declared) {
  ++too_large;
  notices.note(NoticeKind::body_too_large, ex.request.remote_addr, SteadyClock::now());
  if (declared > 0) return refuse(c, 413, "request body too large");
  // Mid-body (chunked), libmicrohttpd cannot queue an answer. This thread owns the socket and nothing else is being
  // written on it, so the refusal goes out directly; MHD_NO then closes the connection without reading on.
  const std::string raw = [this] {
    const auto [type, body] = refusal_of(options, 413, "request body too large");
    return "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Type: " + type + "\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  (void)!::send(socket_of(c), raw.data(), raw.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return MHD_NO;
}

MHD_Result Server::Impl::take_body(Exchange& ex, MHD_Connection* c, const char* data, std::size_t* size) {
  if (ex.request.body.size() + *size > options.max_body_bytes) return body_too_large(ex, c, 0);
  ex.request.body.append(data, *size);
  *size = 0;
  return MHD_YES;
}

MHD_Result Server::Impl::dispatch(Exchange& ex, MHD_Connection* c) {
  if (closing.load()) return refuse(c, 503, "shutting down");
  if (!table.answering(c)) return MHD_NO; // its deadline struck meanwhile: the socket is shut already
  ex.dispatched = true;
  {
    std::lock_guard lock(mu);
    ++owed;
  }
  MHD_suspend_connection(c);
  pool.submit([this, &ex] { handle(ex); });
  return MHD_YES;
}

void Server::Impl::handle(Exchange& ex) {
  Response out;
  try {
    out = ex.route->handler(ex.request);
  } catch (...) {
    out = Response{};
    out.status = 500;
    auto [type, body] = refusal_of(options, 500, "internal error");
    out.headers.set("Content-Type", std::move(type));
    out.body = std::move(body);
  }
  ex.answer = std::move(out);
  MHD_Connection* c = ex.connection;
  ex.answered.store(true, std::memory_order_release);
  MHD_resume_connection(c); // from here on, `ex` belongs to the event thread again
}

MHD_Result Server::Impl::send_answer(Exchange& ex, MHD_Connection* c) {
  const Response& a = ex.answer;
  const bool drop = a.status == k_drop_connection;
  MHD_Response* res = drop ? MHD_create_response_from_callback(1, 64, &broken_content, nullptr, nullptr)
                           : MHD_create_response_from_buffer(a.body.size(), const_cast<char*>(a.body.data()),
                                                             MHD_RESPMEM_MUST_COPY);
  if (res == nullptr) return MHD_NO;
  bool typed = false;
  for (const auto& [k, v] : a.headers.all()) {
    if (drop) break;
    typed = typed || iequals(k, "Content-Type");
    MHD_add_response_header(res, k.c_str(), v.c_str()); // refuses CR/LF and framing headers it sets itself
  }
  if (!typed && (!a.body.empty() || a.status != 204)) MHD_add_response_header(res, "Content-Type", "application/json");
  const unsigned status = drop ? 200 : (a.status >= 100 && a.status <= 999 ? static_cast<unsigned>(a.status) : 500);
  const MHD_Result queued = MHD_queue_response(c, status, res);
  MHD_destroy_response(res);
  return queued;
}

void Server::Impl::request_completed(MHD_Connection* c, void** cls) {
  auto* ex = static_cast<Exchange*>(*cls);
  *cls = nullptr;
  table.waiting(c, SteadyClock::now());
  if (ex != nullptr && ex->dispatched) {
    std::lock_guard lock(mu);
    --owed;
    cv.notify_all();
  }
  delete ex;
}

void Server::Impl::reap() {
  const SteadyClock::duration timeout = options.request_timeout;
  std::unique_lock lock(mu);
  while (!stopping) {
    lock.unlock();
    const auto now = SteadyClock::now();
    for (auto& client : table.expire(now, timeout)) notices.note(NoticeKind::timed_out, std::move(client), now);
    notices.flush(now);
    auto wake = now + std::min<SteadyClock::duration>(k_notice_interval, timeout);
    if (const auto next = table.next_deadline(timeout); next && *next < wake) wake = *next;
    lock.lock();
    cv.wait_until(lock, wake, [this] { return stopping; });
  }
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { stop(); }

void Server::route(Method method, const std::string& pattern, Handler handler) {
  impl_->routes.push_back(Route{method, std::regex(pattern), std::move(handler)});
}

void Server::on_notice(NoticeSink sink) { impl_->notices.set_sink(std::move(sink)); }

Result<int> Server::start(const std::string& host, int port) {
  Impl& s = *impl_;
  const std::string where = describe_listen_address(host, port);
  if (s.started) return Error::make(ErrorKind::internal, "listen", "The server for " + where + " was started before.");
  RECHARGED_TRY(s.listener, open_listen_socket(host, port));
  // libmicrohttpd closes the socket it is given (on stop, and on some failures): give it a descriptor of its own.
  const int served = ::fcntl(s.listener.fd, F_DUPFD_CLOEXEC, 0);
  const auto& o = s.options;
  if (served >= 0)
    s.daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, &on_accept, &s, &on_access, &s,
        MHD_OPTION_LISTEN_SOCKET, served, MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(o.max_connections),
        MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(o.idle_timeout.count()),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.connection_memory_bytes, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_URI_LOG_CALLBACK, &on_request_line, &s, MHD_OPTION_NOTIFY_COMPLETED, &on_completed, &s,
        MHD_OPTION_NOTIFY_CONNECTION, &on_connection, &s, MHD_OPTION_END);
  if (s.daemon == nullptr) {
    close_listen_socket(s.listener);
    return Error::make(ErrorKind::internal, "listen", "Cannot serve on " + where + ": the HTTP server did not start.");
  }
  s.started = true;
  s.reaper = std::thread([&s] { s.reap(); });
  port_ = s.listener.port;
  return port_;
}

void Server::stop() {
  Impl& s = *impl_;
  if (s.daemon == nullptr) return;
  s.closing.store(true);
  // MHD stops accepting and hands back the listen socket, which is ours (we passed it in): its thread may still
  // be taking it out of its epoll set, so it is shut down now (new connects are refused from here on) and closed
  // only after MHD_stop_daemon. Closing it here raced that thread, and closed the number a second time below.
  (void)MHD_quiesce_daemon(s.daemon);
  if (s.listener.fd >= 0) ::shutdown(s.listener.fd, SHUT_RDWR);
  s.pool.drain_and_join();         // every handler finishes and resumes its connection
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, k_answer_grace, [&s] { return s.owed == 0; });
    s.stopping = true;
  }
  s.cv.notify_all();
  if (s.reaper.joinable()) s.reaper.join();
  MHD_stop_daemon(s.daemon);
  s.daemon = nullptr;
  close_listen_socket(s.listener);
}

ServerStats Server::stats() const {
  const Impl& s = *impl_;
  ServerStats out;
  out.connections_accepted = s.accepted.load();
  out.connections_refused = s.refused.load();
  out.requests_timed_out = s.table.expired();
  out.bodies_too_large = s.too_large.load();
  out.connections_open = s.table.open();
  out.max_connections = s.options.max_connections;
  out.queued = s.pool.queued();
  out.workers_busy = s.pool.busy();
  out.oldest_wait_seconds = std::chrono::duration<double>(s.pool.oldest_wait()).count();
  return out;
}

} // namespace recharged::http
