#include "webhooks/deliverer.hpp"

#include "config/secrets.hpp"
#include "http/curl_transport.hpp"
#include "logging/event_line.hpp"
#include "storage/feed_store.hpp"
#include "storage/order_json.hpp"
#include "webhooks/retry_schedule.hpp"

#include <spdlog/logger.h>

#include <fstream>
#include <sstream>

namespace recharged::webhooks {

using logging::EventLine;

namespace {

constexpr std::size_t k_max_answer_bytes = 64 * 1024; // an endpoint's answer is read only for its status

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::int64_t real_unix_seconds() {
  // The receiver compares webhook-timestamp with its own wall clock, so this is real time even when the daemon
  // runs on a scaled (sandbox) clock.
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace

Result<std::vector<Secret>> load_secrets(const config::WebhookConfig& endpoint) {
  const std::string field = "webhooks." + endpoint.name + ".secret_file";
  RECHARGED_TRY(const auto path, endpoint.secret_file.resolve());
  RECHARGED_CHECK(config::check_private_file(path, field));
  std::ifstream in(path);
  if (!in) return Error::invalid(field, "The " + field + " '" + path.string() + "' cannot be read.");
  std::vector<Secret> secrets;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line.starts_with('#')) continue;
    auto secret = Secret::parse(line, field + " line " + std::to_string(number));
    if (!secret) return std::move(secret).error();
    secrets.push_back(std::move(*secret));
  }
  if (secrets.empty() || secrets.size() > 2)
    return Error::invalid(field, "The " + field + " '" + path.string() + "' must hold one whsec_ secret, or two while "
                                 "rotating; it holds " + std::to_string(secrets.size()) + ".");
  return secrets;
}

std::unique_ptr<http::Transport> curl_transport(const config::WebhookConfig& endpoint, const StopSignal& stop) {
  http::CurlOptions o;
  o.hosts = {endpoint.base};
  o.timeout = endpoint.timeout;
  o.connect_timeout = std::min(endpoint.timeout, Millis{5'000});
  o.max_response_bytes = k_max_answer_bytes;
  o.ca_file = endpoint.ca_file; // https: verified against it, or the system's CAs; never unverified
  static const SystemClock clock; // only times the failover cooldown, which one host never uses
  auto t = std::make_unique<http::CurlTransport>(std::move(o), clock);
  t->abort_on(&stop);
  return t;
}

struct Deliverer::Endpoint {
  config::WebhookConfig config;
  storage::WebhookEndpoint outbox; // name and types, as the store filters them
  std::vector<Secret> secrets;
  std::unique_ptr<http::Transport> transport;
  std::chrono::steady_clock::time_point last_backlog_report{};
};

Deliverer::Deliverer(std::vector<config::WebhookConfig> endpoints, storage::WebhookStore& store, const Clock& clock,
                     std::shared_ptr<spdlog::logger> log, DelivererOptions options, TransportFactory transports)
    : configs_(std::move(endpoints)), store_(store), clock_(clock), log_(std::move(log)), options_(options),
      transports_(std::move(transports)) {}

Deliverer::~Deliverer() { stop(); }

Status Deliverer::start() {
  for (auto& c : configs_) {
    auto e = std::make_unique<Endpoint>();
    e->outbox.name = c.name;
    e->outbox.types.insert(c.events.begin(), c.events.end());
    RECHARGED_TRY(e->secrets, load_secrets(c));
    if (!c.ca_file.empty() && !std::ifstream(c.ca_file).good())
      return Error::invalid("webhooks." + c.name + ".ca_file",
                            "The CA file '" + c.ca_file + "' of webhook endpoint '" + c.name + "' cannot be read.");
    e->transport = transports_(c, stop_);
    e->config = std::move(c);
    endpoints_.push_back(std::move(e));
  }
  configs_.clear();
  // A new endpoint's cursor is placed now, at the end of the feed: it gets every event recorded from this start on.
  std::vector<storage::WebhookEndpoint> all;
  for (const auto& e : endpoints_) all.push_back(e->outbox);
  RECHARGED_CHECK(store_.fan_out(all, clock_.now(), 0));
  for (auto& e : endpoints_) threads_.emplace_back([this, &endpoint = *e] { run(endpoint); });
  return {};
}

void Deliverer::stop() {
  stop_.request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::map<std::string, DeliveryCounters> Deliverer::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void Deliverer::run(Endpoint& e) {
  log_->info(EventLine("webhook_endpoint_started").kv("endpoint", e.config.name)
                 .kv("url", e.config.base.to_string() + e.config.target)
                 .kv("secrets", static_cast<std::int64_t>(e.secrets.size())).str());
  while (!stop_.stop_requested()) {
    const bool busy = round(e);
    report_backlog(e);
    if (!busy) stop_.wait_for(options_.idle_poll);
  }
}

bool Deliverer::round(Endpoint& e) {
  const TimePoint now = clock_.now();
  auto queued = store_.fan_out({e.outbox}, now, options_.fan_out_batch);
  if (!queued) {
    log_->error(EventLine("webhook_outbox_failed").kv("endpoint", e.config.name).kv("error", queued.error().message).str());
    return false;
  }
  auto due = store_.due(e.config.name, now, options_.batch);
  if (!due) {
    log_->error(EventLine("webhook_outbox_failed").kv("endpoint", e.config.name).kv("error", due.error().message).str());
    return false;
  }
  for (const auto& d : *due) {
    if (stop_.stop_requested()) return false;
    if (!attempt(e, d)) return false; // the endpoint failed: end its round, the rest waits for the next one
  }
  return !due->empty() || *queued > 0;
}

bool Deliverer::attempt(Endpoint& e, const storage::DueDelivery& d) {
  const std::string id = storage::event_id(d.feed_event_id);
  const std::string body = storage::dump_json(
      storage::event_envelope(storage::FeedEvent{d.feed_event_id, d.order_id, "", d.type, format_utc(d.at), d.data}));
  const SignedHeaders signed_headers = sign(id, real_unix_seconds(), body, e.secrets);
  http::Request request;
  request.method = http::Method::post;
  request.target = e.config.target;
  request.headers.set("Content-Type", "application/json");
  request.headers.set("User-Agent", std::string("recharged/") + RECHARGED_VERSION);
  request.headers.set("webhook-id", signed_headers.id);
  request.headers.set("webhook-timestamp", signed_headers.timestamp);
  request.headers.set("webhook-signature", signed_headers.signature);
  request.body = body;

  const auto started = std::chrono::steady_clock::now();
  auto answer = e.transport->send(request);
  storage::DeliveryAttempt a;
  a.at = clock_.now();
  a.latency_ms = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started).count();
  if (answer) {
    a.status = answer->status;
    a.delivered = answer->status >= 200 && answer->status < 300;
    if (!a.delivered) a.error = "HTTP " + std::to_string(answer->status);
  } else {
    a.error = answer.error().code.empty() ? answer.error().message : answer.error().code + ": " + answer.error().message;
  }
  if (stop_.stop_requested() && !answer) return false; // abandoned by shutdown: not the endpoint's failure
  if (!a.delivered)
    if (auto wait = retry_delay(d.attempts + 1, static_cast<std::uint64_t>(d.id))) a.next_attempt_at = a.at + *wait;

  if (auto recorded = store_.record_attempt(d.id, a); !recorded) {
    log_->error(EventLine("webhook_outbox_failed").kv("endpoint", e.config.name).kv("id", id)
                    .kv("error", recorded.error().message).str());
    return false;
  }
  {
    std::lock_guard lock(mu_);
    auto& c = counters_[e.config.name];
    if (a.delivered) ++c.delivered;
    else if (a.next_attempt_at) ++c.retried;
    else ++c.failed;
  }
  EventLine line(a.delivered ? "webhook_delivered" : a.next_attempt_at ? "webhook_attempt_failed" : "webhook_failed");
  line.kv("endpoint", e.config.name).kv("id", id).kv("type", d.type).kv("attempt", d.attempts + 1)
      .kv("status", a.status).kv("latency_ms", a.latency_ms);
  if (!a.delivered) line.kv("error", a.error);
  if (a.next_attempt_at) line.kv("next_attempt_at", format_utc(*a.next_attempt_at));
  if (a.delivered) log_->info(line.str());
  else if (a.next_attempt_at) log_->warn(line.str());
  else log_->error(line.kv("hint", "`recharged webhooks replay` sends it again").str());
  return a.delivered;
}

void Deliverer::report_backlog(Endpoint& e) {
  const auto now = std::chrono::steady_clock::now();
  if (now - e.last_backlog_report < options_.backlog_report) return;
  e.last_backlog_report = now;
  auto summaries = store_.backlog();
  if (!summaries) return;
  for (const auto& s : *summaries) {
    if (s.endpoint != e.config.name || !s.oldest_pending_created_at) continue;
    const auto age = clock_.now() - *s.oldest_pending_created_at;
    if (age < std::chrono::hours{1}) continue;
    log_->warn(EventLine("webhook_endpoint_behind").kv("endpoint", s.endpoint).kv("pending", s.pending)
                   .kv("oldest_pending_age_s", std::chrono::duration_cast<std::chrono::seconds>(age).count())
                   .kv("failed", s.failed).str());
  }
}

} // namespace recharged::webhooks
