#include "cli/context.hpp"

#include "engine/policy_planner.hpp"

#include <unistd.h>

namespace recharged::cli {

std::unique_ptr<Clock> make_clock(const config::ClockConfig& c) {
  if (c.speed == 1.0) return std::make_unique<SystemClock>();
  return std::make_unique<ScaledClock>(c.virtual_origin, c.real_origin, c.speed);
}

std::string user_agent() { return std::string("recharged/") + RECHARGED_VERSION + " (Linux)"; }

Result<storage::BackendOptions> backend_options(const config::Config& config, const Clock* clock) {
  storage::BackendOptions b;
  b.path = config.database.path;
  b.busy_timeout = config.database.busy_timeout;
  b.clock = clock;
  if (config.database.postgres()) {
    RECHARGED_TRY(b.url, config::database_url(config));
  }
  return b;
}

namespace {

Status open_database(Context& ctx, storage::MigrationMode migration) {
  RECHARGED_TRY(const storage::BackendOptions b, backend_options(ctx.config, ctx.clock.get()));
  if (!ctx.config.database.postgres() && ctx.options.daemon) {
    // One daemon per SQLite file: its lock is taken before SQLite opens the file (see storage::DaemonLock).
    RECHARGED_CHECK(storage::require_existing(b.path));
    RECHARGED_TRY(ctx.daemon_lock, storage::DaemonLock::acquire(b.path));
  }
  RECHARGED_TRY(ctx.backend, storage::Backend::open(b, migration));
  ctx.database = ctx.backend->sqlite();
  ctx.store = &ctx.backend->orders();
  return {};
}

Status open_client(Context& ctx) {
  RECHARGED_TRY(config::Secrets secrets, config::load_secrets(ctx.config));
  ctx.secrets = std::make_unique<config::Secrets>(std::move(secrets));
  RECHARGED_TRY(schedule::SettlementCalendar cal, schedule::SettlementCalendar::load(ctx.config.calendar.dirs));
  ctx.calendar = std::make_unique<schedule::SettlementCalendar>(std::move(cal));

  const auto& p = ctx.config.platform;
  http::CurlOptions curl;
  curl.hosts.push_back(p.base_url);
  if (p.backup_url) curl.hosts.push_back(*p.backup_url);
  curl.connect_timeout = p.connect_timeout;
  curl.timeout = p.timeout;
  curl.proxy = p.proxy;
  curl.ca_file = p.ca_file;
  curl.max_response_bytes = p.max_response_bytes;
  ctx.transport = std::make_unique<http::CurlTransport>(curl, *ctx.clock);

  wxpay::RequestSigner signer(ctx.config.merchant.mchid, ctx.config.merchant.serial_no, ctx.secrets->merchant_key);
  ctx.api = std::make_unique<wxpay::ApiClient>(std::move(signer), ctx.secrets->platform_keys, *ctx.transport,
                                               *ctx.clock, user_agent());
  ctx.apply_grace = engine::apply_grace(curl.hosts.size(), p.timeout, ctx.config.clock.speed);
  ctx.actor = "recharged " + (ctx.options.command.empty() ? std::string("cli") : ctx.options.command) + " (pid " +
              std::to_string(::getpid()) + ")";
  return {};
}

// A one-shot command's order service: the policy planner, API calls logged, updates written one at a time.
// (The daemon builds its own from the client: a swappable planner, its call observers, group commit.)
Status open_service(Context& ctx) {
  ctx.planner = engine::make_policy_planner(ctx.config.schedule, *ctx.calendar);
  ctx.call_log = std::make_unique<engine::ApiCallLog>(ctx.logging->get("api"));
  ctx.api->set_observer(ctx.call_log.get());
  ctx.sink = std::make_unique<engine::StoreSink>(*ctx.store);
  ctx.service = std::make_unique<engine::OrderService>(engine::ServiceContext{
      *ctx.store, *ctx.sink, *ctx.api, ctx.gate, *ctx.planner, *ctx.clock, ctx.logging->get("engine"),
      ctx.apply_grace, ctx.actor});
  return {};
}

} // namespace

Result<std::unique_ptr<Context>> Context::open(const GlobalOptions& options, Needs needs,
                                               storage::MigrationMode migration) {
  auto ctx = std::make_unique<Context>();
  ctx->options = options;
  RECHARGED_TRY(ctx->config, config::load(options.config_path));
  logging::LogOptions log;
  log.level = ctx->config.log.level;
  if (options.daemon) {
    log.to_file = ctx->config.log.target == config::LogTarget::file;
    log.file = ctx->config.log.file;
  } else if (!options.verbose && (log.level == "trace" || log.level == "debug" || log.level == "info")) {
    // A one-shot command logs to its own stderr, never into the daemon's log file; its output is the answer, so
    // without -v only warnings and errors are worth a line.
    log.level = "warn";
  }
  RECHARGED_TRY(ctx->logging, logging::Logging::create(log));
  ctx->clock = make_clock(ctx->config.clock);
  if (needs == Needs::config) return ctx;
  RECHARGED_CHECK(open_database(*ctx, migration));
  if (needs == Needs::database) return ctx;
  RECHARGED_CHECK(open_client(*ctx));
  if (needs == Needs::client) return ctx;
  RECHARGED_CHECK(open_service(*ctx));
  return ctx;
}

} // namespace recharged::cli
