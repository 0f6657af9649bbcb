#include "sandbox/notifier.hpp"

#include "crypto/aes_gcm.hpp"
#include "crypto/base64.hpp"
#include "logging/event_line.hpp"
#include "sandbox/wire.hpp"

#include <algorithm>

namespace recharged::sandbox {

using namespace std::chrono;

std::vector<Millis> default_retry_schedule() {
  return {seconds{15}, seconds{15}, seconds{30}, minutes{3}, minutes{10}, minutes{20}, minutes{30}, minutes{30},
          minutes{30}, minutes{60}, hours{3},    hours{3},    hours{3},   hours{6},    hours{6}};
}

std::string_view to_string(DeliveryState s) noexcept {
  switch (s) {
  case DeliveryState::pending: return "pending";
  case DeliveryState::delivered: return "delivered";
  case DeliveryState::lost: return "lost";
  case DeliveryState::given_up: return "given_up";
  }
  return "pending";
}

namespace {

// "https://host:port/path" -> {"https://host:port", "/path"}; the path is "/" when absent.
std::pair<std::string, std::string> split_url(std::string_view url) {
  const auto scheme = url.find("://");
  const auto slash = scheme == std::string_view::npos ? std::string_view::npos : url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return {std::string(url), "/"};
  return {std::string(url.substr(0, slash)), std::string(url.substr(slash))};
}

std::string target_url(const std::string& notify_url, const std::string& notify_target) {
  if (notify_target.empty()) return notify_url;
  std::string base = notify_target;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + split_url(notify_url).second;
}

std::string compact_time(TimePoint t) {
  std::string out;
  for (const char c : format_rfc3339(t).substr(0, 19))
    if (c >= '0' && c <= '9') out += c;
  return out;
}

std::string_view summary_of(std::string_view type) {
  if (type == "RECHARGE.SUCCESS") return "充值成功";
  if (type == "RECHARGE.CLOSED") return "充值关闭";
  return "充值资金退回";
}

} // namespace

Notifier::Notifier(NotifierConfig config, PlatformIdentity identity, Clock& clock, FaultInjector& faults, LogSink log)
    : config_(std::move(config)), identity_(std::move(identity)), clock_(clock), faults_(faults), log_(std::move(log)),
      rng_(Rng::derived(config_.seed, "notifier")) {}

Notifier::~Notifier() { stop(); }

void Notifier::log(const std::string& line) const {
  if (log_) log_(line);
}

Delivery Notifier::build(const PlatformEvent& event, std::string_view type) {
  Delivery d;
  d.event_type = std::string(type);
  d.out_recharge_no = event.deposit.out_recharge_no;
  d.url = target_url(*event.notify_url, config_.notify_target);
  d.created = event.at;
  d.next_attempt = event.at;
  const AnswerShape shape = faults_.shape();
  d.plaintext = event.fund_returned ? write_fund_returned(*event.fund_returned, shape)
                                    : write_order(event.deposit, shape, event.remark);
  NotificationEnvelope n;
  n.id = "EV-" + compact_time(event.at) + std::to_string(100000 + (sequence_++ % 900000));
  n.create_time = event.at;
  n.event_type = d.event_type;
  n.summary = std::string(summary_of(type));
  // AEAD_AES_256_GCM under the APIv3 key: 12-character nonce, associated_data "recharge", ciphertext || tag.
  n.nonce = rng_.alnum(12);
  n.associated_data = "recharge";
  auto sealed = crypto::aead_aes_256_gcm_seal(identity_.apiv3_key, n.nonce, n.associated_data, d.plaintext);
  if (!sealed) {
    d.state = DeliveryState::given_up;
    d.last_error = sealed.error().message;
  } else {
    n.ciphertext = crypto::base64_encode(*sealed);
  }
  d.id = n.id;
  d.body = write_notification(n);
  return d;
}

void Notifier::enqueue(const PlatformEvent& event) {
  const auto type = notification_type(event.kind);
  if (!type || !event.notify_url || event.notify_url->empty()) return;
  {
    std::lock_guard lock(mu_);
    Delivery d = build(event, *type);
    const double lost = std::max(config_.lost_share, faults_.config().notify_lost);
    if (d.state == DeliveryState::pending && rng_.chance(lost)) d.state = DeliveryState::lost;
    if (d.state == DeliveryState::lost)
      log(logging::EventLine("notify_lost").kv("id", d.id).kv("type", d.event_type).kv("out_recharge_no", d.out_recharge_no).str());
    deliveries_.push_back(std::move(d));
  }
  stop_.wake();
}

http::Transport* Notifier::transport_for(const std::string& base) {
  auto it = transports_.find(base);
  if (it != transports_.end()) return it->second.get();
  auto parsed = http::parse_base_url(base, "notify_url");
  if (!parsed) return nullptr;
  http::CurlOptions options;
  options.hosts.push_back(*parsed);
  options.timeout = config_.timeout;
  options.connect_timeout = std::min(config_.timeout, Millis{5'000});
  auto transport = std::make_unique<http::CurlTransport>(std::move(options), clock_);
  transport->abort_on(&stop_); // stop() ends a delivery in flight
  return transports_.emplace(base, std::move(transport)).first->second.get();
}

bool Notifier::attempt(const Delivery& d, std::string& error, int& status) {
  if (faults_.config().notify_down) {
    error = "the merchant's notification endpoint is down (sandbox fault notify_endpoint=down)";
    return false;
  }
  const auto [base, path] = split_url(d.url);
  http::Transport* transport = transport_for(base);
  if (transport == nullptr) {
    error = "the notify URL '" + d.url.substr(0, 200) + "' cannot be used";
    return false;
  }
  http::Request req;
  req.method = http::Method::post;
  req.target = path;
  req.body = d.body;
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "*/*");
  req.headers.add("User-Agent", "Mozilla/4.0");
  req.headers.add("Request-ID", new_request_id());
  sign_answer(identity_, faults_.config().sign_with, d.body, clock_.now(), faults_.decide_notification(),
              req.headers);
  auto sent = transport->send(req);
  if (!sent) {
    error = sent.error().message;
    return false;
  }
  status = sent->status;
  if (status >= 200 && status < 300) return true;
  error = "HTTP " + std::to_string(status);
  return false;
}

void Notifier::finish_attempt(std::size_t index, bool ok, int status, std::string error) {
  std::lock_guard lock(mu_);
  Delivery& d = deliveries_[index];
  ++d.attempts;
  d.last_status = status;
  d.last_error = std::move(error);
  auto line = [&](std::string_view event) {
    logging::EventLine l(event);
    l.kv("id", d.id).kv("type", d.event_type).kv("out_recharge_no", d.out_recharge_no);
    l.kv("attempt", d.attempts).kv("status", d.last_status);
    return l;
  };
  if (ok) {
    d.state = DeliveryState::delivered;
    log(line("notify_delivered").str());
    return;
  }
  const auto retry = static_cast<std::size_t>(d.attempts - 1);
  if (retry >= config_.retry_schedule.size()) {
    d.state = DeliveryState::given_up;
    log(line("notify_given_up").kv("error", d.last_error).str());
    return;
  }
  d.next_attempt = clock_.now() + config_.retry_schedule[retry];
  log(line("notify_failed").kv("next", format_rfc3339(d.next_attempt)).kv("error", d.last_error).str());
}

std::size_t Notifier::deliver_due() {
  std::lock_guard serial(deliver_mu_);
  std::vector<std::pair<TimePoint, std::size_t>> due;
  std::vector<Delivery> copies;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = clock_.now();
    for (std::size_t i = 0; i < deliveries_.size(); ++i)
      if (deliveries_[i].state == DeliveryState::pending && deliveries_[i].next_attempt <= now)
        due.emplace_back(deliveries_[i].next_attempt, i);
    std::sort(due.begin(), due.end());
    for (const auto& [at, i] : due) copies.push_back(deliveries_[i]);
  }
  for (std::size_t k = 0; k < due.size(); ++k) {
    std::string error;
    int status = 0;
    const bool ok = attempt(copies[k], error, status);
    finish_attempt(due[k].second, ok, status, std::move(error));
  }
  return due.size();
}

std::optional<TimePoint> Notifier::next_due() const {
  std::lock_guard lock(mu_);
  std::optional<TimePoint> next;
  for (const auto& d : deliveries_)
    if (d.state == DeliveryState::pending && (!next || d.next_attempt < *next)) next = d.next_attempt;
  return next;
}

void Notifier::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    while (!stop_.stop_requested()) {
      deliver_due();
      const auto next = next_due();
      clock_.sleep_until(next ? *next : clock_.now() + hours{1}, stop_);
    }
  });
}

void Notifier::stop() {
  stop_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<Delivery> Notifier::deliveries() const {
  std::lock_guard lock(mu_);
  return deliveries_;
}

} // namespace recharged::sandbox
