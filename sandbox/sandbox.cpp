#include "sandbox/sandbox.hpp"

#include "logging/event_line.hpp"

namespace recharged::sandbox {

namespace {

std::string_view event_name(EventKind k) {
  switch (k) {
  case EventKind::applied: return "sandbox_applied";
  case EventKind::paid: return "sandbox_paid";
  case EventKind::succeeded: return "sandbox_settled";
  case EventKind::returned: return "sandbox_fund_returned";
  case EventKind::refunded: return "sandbox_refunded";
  case EventKind::closed: return "sandbox_closed";
  case EventKind::expired: return "sandbox_expired";
  }
  return "sandbox_event";
}

std::string channels_text(const MchDeposit& d) {
  if (d.available_recharge_channels.empty()) return "ALL";
  std::string out;
  for (const auto c : d.available_recharge_channels) out += (out.empty() ? "" : ",") + std::string(to_string(c));
  return out;
}

} // namespace

std::string describe(const PlatformEvent& e) {
  const MchDeposit& d = e.deposit;
  logging::EventLine line(event_name(e.kind));
  line.kv("at", format_rfc3339(e.at)).kv("out_recharge_no", d.out_recharge_no).kv("sub_mchid", d.sub_mchid);
  switch (e.kind) {
  case EventKind::applied:
    line.kv("recharge_id", d.recharge_id).kv("amount", format_yuan(d.recharge_amount.amount)).kv("channels", channels_text(d));
    break;
  case EventKind::paid:
  case EventKind::succeeded:
  case EventKind::refunded:
    if (e.payment)
      line.kv("channel", to_string(e.payment->channel)).kv("lands_at", format_rfc3339(e.payment->lands_at));
    break;
  case EventKind::returned:
    if (e.fund_returned)
      line.kv("channel", to_string(e.fund_returned->recharge_channel))
          .kv("reason", e.fund_returned->return_reason.value_or(""));
    break;
  case EventKind::closed:
  case EventKind::expired: line.kv("reason", d.recharge_state_desc.value_or("")); break;
  }
  return line.str();
}

Sandbox::Sandbox(SandboxOptions options, PlatformIdentity platform, MerchantIdentity merchant,
                 const schedule::SettlementCalendar& calendar, Clock& clock, LogSink log)
    : options_(std::move(options)), clock_(clock), log_(std::move(log)),
      faults_(options_.faults, options_.platform.seed) {
  options_.platform.sp_mchid = platform.sp_mchid;
  platform_ = std::make_unique<Platform>(options_.platform, calendar, clock_);
  notifier_ = std::make_unique<Notifier>(options_.notifier, platform, clock_, faults_, log_);
  server_ = std::make_unique<Server>(*platform_, faults_, platform, std::move(merchant), notifier_.get(), log_,
                                     options_.threads);
  platform_->set_wakeup([this] { stop_.wake(); });
  faults_.on_change([this](const FaultConfig& c) {
    if (auto ok = server_->set_backup_down(c.backup_down); !ok && log_)
      log_(logging::EventLine("sandbox_backup_failed").kv("error", ok.error().message).str());
  });
}

Sandbox::~Sandbox() { stop(); }

Result<int> Sandbox::start() {
  RECHARGED_TRY(port_, server_->start(options_.host, options_.port));
  if (options_.backup_port) {
    RECHARGED_CHECK(server_->start_backup(options_.host, *options_.backup_port));
    RECHARGED_CHECK(server_->set_backup_down(faults_.config().backup_down));
  }
  notifier_->start();
  driver_ = std::thread([this] { drive(); });
  return port_;
}

void Sandbox::stop() {
  stop_.request_stop();
  if (driver_.joinable()) driver_.join();
  server_->stop();
  notifier_->stop();
}

std::size_t Sandbox::pump() {
  std::lock_guard lock(pump_mu_);
  const auto events = platform_->advance();
  for (const auto& e : events) {
    if (log_) log_(describe(e));
    notifier_->enqueue(e);
  }
  return events.size();
}

void Sandbox::flush() {
  pump();
  notifier_->deliver_due();
}

void Sandbox::drive() {
  while (!stop_.stop_requested()) {
    pump();
    const auto next = platform_->next_due();
    clock_.sleep_until(next ? *next : clock_.now() + std::chrono::hours{1}, stop_);
  }
}

std::string Sandbox::base_url() const { return "http://" + options_.host + ":" + std::to_string(port_); }

std::string Sandbox::backup_url() const {
  const int port = server_->backup_port();
  return port == 0 ? std::string() : "http://" + options_.host + ":" + std::to_string(port);
}

} // namespace recharged::sandbox
