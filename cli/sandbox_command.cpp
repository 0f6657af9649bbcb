// `recharged sandbox`: the simulated WeChat Pay platform on 127.0.0.1, plus a recharged config pointing at it.

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "core/clock.hpp"
#include "core/stop_signal.hpp"
#include "daemon/signals.hpp"
#include "http/url.hpp"
#include "logging/setup.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/state.hpp"
#include "config/config.hpp"
#include "schedule/settlement_calendar.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/logger.h>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace recharged::cli {
namespace {

namespace fs = std::filesystem;

struct SandboxArgs {
  std::string state_dir;
  std::string listen = "127.0.0.1:8470";
  std::string backup_listen;
  double speed = 1.0;
  std::string start;
  std::uint64_t seed = 1;
  std::string notify_to = "http://127.0.0.1:8480";
  std::string metrics_listen = "127.0.0.1:9480";
  double lost_share = 0;
  std::string link_ttl = "7d";
  std::string payer_mix;
  std::string payers = "simulated";
  std::vector<std::pair<std::string, std::string>> faults; // (FaultConfig key, value) from --fault-*
  std::vector<std::string> calendar_dirs;
};

std::string default_state_dir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0')
    return (fs::path(x) / "recharged" / "sandbox").string();
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return (fs::path(home) / ".local/state/recharged/sandbox").string();
  return "recharged-sandbox";
}

int usage(const std::string& message) {
  std::cerr << "recharged: error: " << message << "\n";
  return k_exit_usage;
}

// The clock both processes share: wall time, or ScaledClock from whole-second origins (as written to TOML).
struct ClockChoice {
  std::unique_ptr<Clock> clock;
  std::optional<sandbox::ClockSection> section;
};

Result<ClockChoice> choose_clock(const SandboxArgs& a) {
  if (a.speed < 1 || a.speed > 100000)
    return Error::invalid("--speed", "The --speed " + std::to_string(a.speed) + " is invalid: it must be from 1 to 100000.");
  if (a.speed == 1 && a.start.empty()) return ClockChoice{std::make_unique<SystemClock>(), std::nullopt};
  const TimePoint real = std::chrono::floor<std::chrono::seconds>(SystemClock{}.now());
  TimePoint virt = real;
  if (!a.start.empty()) {
    auto parsed = parse_rfc3339(a.start);
    if (!parsed) return Error::invalid("--start", "The --start '" + a.start + "' is not an RFC 3339 time such as 2026-11-23T09:00:00+08:00.");
    virt = std::chrono::floor<std::chrono::seconds>(*parsed);
  }
  return ClockChoice{std::make_unique<ScaledClock>(virt, real, a.speed), sandbox::ClockSection{a.speed, virt, real}};
}

Result<sandbox::SandboxOptions> build_options(const SandboxArgs& a, const http::ListenAddress& listen) {
  sandbox::SandboxOptions o;
  o.host = listen.host;
  o.port = listen.port;
  if (!a.backup_listen.empty()) {
    RECHARGED_TRY(const auto backup, http::parse_listen_address(a.backup_listen, "--backup-listen"));
    if (backup.host != listen.host)
      return Error::invalid("--backup-listen", "The --backup-listen '" + a.backup_listen + "' must be on " +
                                                   listen.host + ", the address of --listen.");
    o.backup_port = backup.port;
  }
  o.platform.seed = a.seed;
  RECHARGED_TRY(o.platform.link_ttl, parse_duration(a.link_ttl));
  if (o.platform.link_ttl.count() <= 0) return Error::invalid("--link-ttl", "The --link-ttl must be positive.");
  if (a.payers != "simulated" && a.payers != "manual")
    return Error::invalid("--payers", "The --payers must be simulated or manual.");
  o.platform.payers = a.payers == "manual" ? sandbox::Payers::manual : sandbox::Payers::simulated;
  if (!a.payer_mix.empty()) {
    RECHARGED_TRY(o.platform.payer_mix, sandbox::parse_payer_mix(a.payer_mix));
  }
  for (const auto& [key, value] : a.faults) RECHARGED_CHECK(sandbox::set_fault(o.faults, key, value));
  if (!(a.lost_share >= 0 && a.lost_share <= 1)) return Error::invalid("--lost-share", "The --lost-share must be from 0 to 1.");
  o.notifier.lost_share = a.lost_share;
  o.notifier.seed = a.seed;
  o.notifier.notify_target = a.notify_to;
  return o;
}

// The daemon's notification listener, as the sandbox delivers to it ("127.0.0.1:8480" from the --notify-to).
std::string notify_listen_of(const std::string& notify_to) {
  auto url = http::parse_base_url(notify_to, "--notify-to");
  if (!url || url->scheme != "http" || url->port == 0) return "127.0.0.1:8480";
  return url->host + ":" + std::to_string(url->port);
}

void print_banner(const sandbox::SandboxState& state, const sandbox::ClientConfigOptions& client, const fs::path& config,
                  const Clock& clock, const SandboxArgs& a) {
  std::cout << "recharged sandbox: simulated WeChat Pay platform on " << client.base_url
            << (client.backup_url.empty() ? std::string() : " (backup host " + client.backup_url + ")") << "\n"
            << "  platform merchant " << state.platform.sp_mchid << ", sub-merchants";
  for (const auto& s : state.sub_mchids) std::cout << " " << s;
  std::cout << "\n  public key id " << state.platform.public_key_id << ", merchant serial "
            << state.merchant_certificate.serial_hex() << "\n"
            << "  clock " << format_rfc3339(clock.now()) << " at x" << a.speed << ", seed " << a.seed
            << ", notifications to " << (a.notify_to.empty() ? std::string("each notify_url") : a.notify_to) << "\n"
            << "  config written to " << config.string() << "\n"
            << "  try: recharged -c " << config.string() << " run\n"
            << "Stop with Ctrl-C.\n"
            << std::flush;
}

int run_sandbox(const SandboxArgs& a) {
  StopSignal stop;
  daemon::SignalWatcher signals(stop); // before any thread starts (loggers included), so all of them inherit the mask
  auto listen = http::parse_listen_address(a.listen, "--listen");
  if (!listen) return usage(listen.error().message);
  if (!http::BaseUrl{"http", listen->host, listen->port}.is_loopback())
    return usage("The --listen '" + a.listen + "' must be a loopback address: the sandbox serves 127.0.0.1 only.");
  auto options = build_options(a, *listen);
  if (!options) return usage(options.error().message);
  auto clock = choose_clock(a);
  if (!clock) return usage(clock.error().message);

  auto logging = logging::Logging::create(logging::LogOptions{});
  if (!logging) return usage(logging.error().message);
  auto logger = (*logging)->get("sandbox");
  // In virtual time each line also says when it happened there, the time its orders and answers carry.
  const Clock* data_clock = clock->clock.get();
  const bool virtual_time = clock->section.has_value();
  const sandbox::LogSink log = [logger, data_clock, virtual_time](const std::string& line) {
    logger->info(virtual_time ? line + " virtual_time=" + format_rfc3339(data_clock->now()) : line);
  };

  std::vector<fs::path> dirs;
  for (const auto& d : a.calendar_dirs) dirs.push_back(fs::absolute(d));
  if (dirs.empty()) dirs = config::default_calendar_dirs(); // the daemon's default too, so both sides agree
  auto calendar = schedule::SettlementCalendar::load(dirs);
  if (!calendar) {
    std::cerr << "recharged: error: " << calendar.error().message << "\n";
    return k_exit_config;
  }
  if (calendar->years().empty())
    log("event=sandbox_calendar_empty note=\"no holiday calendar found: weekends only (pass --calendar DIR)\"");

  auto state = sandbox::load_or_create_state(a.state_dir.empty() ? default_state_dir() : a.state_dir, clock->clock->now());
  if (!state) {
    std::cerr << "recharged: error: " << state.error().message << "\n";
    return k_exit_config;
  }
  options->platform.sub_mchids = state->sub_mchids;

  sandbox::Sandbox box(std::move(*options), state->platform, state->merchant(), *calendar, *clock->clock, log);
  auto port = box.start();
  if (!port) return usage(port.error().message);

  sandbox::ClientConfigOptions client;
  client.base_url = box.base_url();
  client.backup_url = box.backup_url();
  client.notify_listen = notify_listen_of(a.notify_to);
  client.metrics_listen = a.metrics_listen;
  client.clock = clock->section;
  if (!a.calendar_dirs.empty()) client.calendar_dirs = dirs;
  auto written = sandbox::write_recharged_config(*state, client);
  if (!written) {
    std::cerr << "recharged: error: " << written.error().message << "\n";
    return k_exit_config;
  }
  print_banner(*state, client, *written, *clock->clock, a);
  while (!stop.stop_requested()) stop.wait_for(std::chrono::seconds{1});
  box.stop();
  log("event=sandbox_stopped");
  return k_exit_ok;
}

void add_fault_option(CLI::App* cmd, const std::shared_ptr<SandboxArgs>& args, const std::string& flag,
                      const std::string& key, const std::string& help) {
  cmd->add_option_function<std::string>(
      flag, [args, key](const std::string& v) { args->faults.emplace_back(key, v); }, help);
}

} // namespace

void register_sandbox_command(CLI::App& app, Action& selected) {
  auto args = std::make_shared<SandboxArgs>();
  auto* cmd = app.add_subcommand("sandbox", "Run the simulated WeChat Pay platform on 127.0.0.1 and write a recharged "
                                            "config that points at it");
  cmd->footer("Control endpoints, on the --listen address (JSON, no signatures, loopback only):\n"
              "  GET  /sandbox/clock                        the sandbox's time\n"
              "  GET  /sandbox/orders[?state=SUCCESS]       every order's ground truth, in apply order\n"
              "  GET  /sandbox/orders/{no}                  one order's ground truth\n"
              "  POST /sandbox/orders/{no}/pay?channel=QR_RECHARGE|BANK_TRANSFER|ONLINE_BANK[&settle=now]\n"
              "                                             the payer pays now (settle=now: the money lands at once)\n"
              "  GET  /sandbox/faults, POST /sandbox/faults {\"server_error\":0.2,…}   read or change the faults\n"
              "  GET  /sandbox/stats                        calls by endpoint, status and host; platform counters\n"
              "  GET  /sandbox/notifications                every notification and its delivery state");
  cmd->add_option("--state-dir", args->state_dir, "Keys, ids and the generated recharged.toml (default "
                                                  "$XDG_STATE_HOME/recharged/sandbox)");
  cmd->add_option("--listen", args->listen, "Loopback address to serve on (port 0 = any)")->capture_default_str();
  cmd->add_option("--backup-listen", args->backup_listen,
                  "Serve the backup host too, on this loopback address (port 0 = any); the config gets its backup_url");
  cmd->add_option("--speed", args->speed, "Virtual time runs this many times faster than real time (1-100000)")
      ->capture_default_str();
  cmd->add_option("--start", args->start, "Virtual time at start, RFC 3339 (default: now)");
  cmd->add_option("--seed", args->seed, "Seed for payers, faults and lost notifications")->capture_default_str();
  cmd->add_option("--notify-to", args->notify_to, "Deliver notifications to this base URL + the notify_url's path "
                                                  "(\"\" = to each notify_url as given)")
      ->capture_default_str();
  cmd->add_option("--metrics-listen", args->metrics_listen,
                  "[metrics] listen written into the generated config (the daemon's /metrics and /healthz)")
      ->capture_default_str();
  cmd->add_option("--lost-share", args->lost_share, "Share of notifications never sent (0-1)")->capture_default_str();
  cmd->add_option("--link-ttl", args->link_ttl, "Unpaid orders close after this long")->capture_default_str();
  cmd->add_option("--payer-mix", args->payer_mix, "Payer behaviour, e.g. never=0.1,qr=0.5,bank=0.3,online=0.1,"
                                                  "returned=0.05,repay=0.5,qr_delay=4m,bank_delay=3h,"
                                                  "online_delay=15m,spread=1");
  cmd->add_option("--payers", args->payers, "simulated, or manual (only the control API pays)")->capture_default_str();
  cmd->add_option("--calendar", args->calendar_dirs, "Holiday calendar directory (holiday-cn <year>.json); repeatable");
  add_fault_option(cmd, args, "--fault-latency", "latency", "Share of API requests delayed");
  add_fault_option(cmd, args, "--fault-latency-duration", "latency_duration", "How long a delayed request waits (300ms)");
  add_fault_option(cmd, args, "--fault-500", "server_error", "Share answered 500 SYSTEM_ERROR");
  add_fault_option(cmd, args, "--fault-429", "rate_limited", "Share answered 429 FREQUENCY_LIMITED");
  add_fault_option(cmd, args, "--fault-reset", "reset", "Share whose connection is reset after processing");
  add_fault_option(cmd, args, "--fault-timeout", "timeout", "Share held without an answer after processing");
  add_fault_option(cmd, args, "--fault-timeout-hold", "timeout_hold", "How long a held request waits (30s)");
  add_fault_option(cmd, args, "--fault-bad-signature", "bad_signature", "Share of answers signed wrongly");
  add_fault_option(cmd, args, "--fault-probe", "probe_signature", "Share of answers with a WECHATPAY/SIGNTEST/ probe");
  add_fault_option(cmd, args, "--fault-notify-bad-signature", "notify_bad_signature",
                   "Share of notification deliveries signed wrongly");
  add_fault_option(cmd, args, "--fault-notify-probe", "notify_probe_signature",
                   "Share of notification deliveries with a probe signature");
  add_fault_option(cmd, args, "--fault-notify-lost", "notify_lost", "Share of notifications never sent (like --lost-share)");
  add_fault_option(cmd, args, "--fault-notify-endpoint", "notify_endpoint",
                   "up, or down: every notification delivery fails (an outage of the merchant's endpoint) and is "
                   "retried on the platform's schedule");
  add_fault_option(cmd, args, "--frequency-limit", "frequency_limit", "Requests per second per endpoint before 429 (0 = none)");
  add_fault_option(cmd, args, "--answer-omit-optional", "omit_optional",
                   "Share of order answers and notifications without any optional field (amount and currency included)");
  add_fault_option(cmd, args, "--answer-omit-fields", "omit_fields",
                   "Optional fields always left out, e.g. recharge_amount.amount,success_time");
  add_fault_option(cmd, args, "--answer-extra-fields", "extra_fields", "Share of answers with fields the pages do not list");
  add_fault_option(cmd, args, "--answer-nulls", "null_fields", "Share of answers with absent optional fields as null");
  add_fault_option(cmd, args, "--answer-odd-times", "odd_times", "Share of answers with optional times not in RFC 3339");
  add_fault_option(cmd, args, "--answer-close-time-on-success", "close_time_on_success",
                   "Share of SUCCESS answers that carry close_time too (as the official samples do)");
  add_fault_option(cmd, args, "--answer-account-type", "account_type_as",
                   "Report this account_type in every answer (e.g. the older BASIC or FEES)");
  add_fault_option(cmd, args, "--answer-recharge-scene", "recharge_scene_as",
                   "Report this recharge_scene in every answer (e.g. ECOMMERCE_BANK_TRANSFER, NORMAL_BANK_TRANSFER)");
  add_fault_option(cmd, args, "--error", "error",
                   "Answer this error of the pages' tables (param_error, invalid_request, sign_error, system_error, "
                   "no_account, over_limit, duplicate, no_auth, no_auth_punished, no_auth_controlled, not_found, "
                   "frequency_limited)");
  add_fault_option(cmd, args, "--error-rate", "error_rate", "Share of requests that get --error (default 1)");
  add_fault_option(cmd, args, "--error-endpoint", "error_endpoint", "Where --error strikes: apply, query, close or all");
  add_fault_option(cmd, args, "--no-auth", "no_auth",
                   "Sub-merchants answered 403 NO_AUTH, e.g. 1900000102:no_auth_punished,1900000103");
  add_fault_option(cmd, args, "--sign-with", "sign_with",
                   "Sign answers and notifications with the public key (public_key: PUB_KEY_ID_…) or the platform "
                   "certificate (certificate: its serial, certificate mode)");
  add_fault_option(cmd, args, "--strip-headers", "strip_headers",
                   "Drop these headers from every answer, as a proxy that strips them: Wechatpay-Timestamp, "
                   "Wechatpay-Nonce, Wechatpay-Signature, Wechatpay-Serial, Wechatpay-Signature-Type, or all");
  add_fault_option(cmd, args, "--clock-offset", "clock_offset",
                   "The platform's clock runs this far ahead of the sandbox's (-10m: behind): answers are stamped "
                   "with it, requests judged by it");
  add_fault_option(cmd, args, "--backup-host", "backup_host",
                   "up, or down: the backup host (--backup-listen) refuses connections");
  cmd->add_option_function<std::vector<std::string>>(
      "--fault",
      [args](const std::vector<std::string>& items) {
        for (const auto& item : items) {
          const auto eq = item.find('=');
          args->faults.emplace_back(item.substr(0, eq), eq == std::string::npos ? std::string() : item.substr(eq + 1));
        }
      },
      "Any fault setting as KEY=VALUE (the names of GET /sandbox/faults); repeatable");
  cmd->callback([&selected, args] { selected = [args] { return run_sandbox(*args); }; });
}

} // namespace recharged::cli
