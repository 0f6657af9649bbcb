#include "daemon/daemon_impl.hpp"

#include "logging/event_line.hpp"

namespace recharged::daemon {

using logging::EventLine;

void Daemon::Impl::reload() {
  systemd.reloading();
  if (auto reopened = parts.logging->reopen(); !reopened)
    log->error(EventLine("log_reopen_failed").kv("error", reopened.error().message).str());
  const auto path = parts.config.source;
  auto fresh = config::load(path);
  if (!fresh) {
    log->error(EventLine("config_reload_failed").kv("config", path.string()).kv("error", fresh.error().message)
                   .kv("kept", "previous config").str());
    systemd.ready(status_line());
    return;
  }
  push.configure(fresh->schedule);
  if (auto level = parts.logging->set_level(fresh->log.level); !level)
    log->warn(EventLine("config_reload_partial").kv("error", level.error().message).str());
  planner.replace(policy(fresh->schedule));
  limits = fresh->limits;
  gate.configure(limits_share(limits, budget_nodes));
  const auto& old = parts.config;
  std::string restart;
  auto note = [&](bool changed, const char* key) {
    if (changed) restart += (restart.empty() ? "" : ",") + std::string(key);
  };
  note(fresh->database.path != old.database.path, "database.path");
  note(fresh->database.url != old.database.url, "database.url");
  note((fresh->database.url_file ? fresh->database.url_file->spec : "") !=
           (old.database.url_file ? old.database.url_file->spec : ""),
       "database.url_file");
  note(fresh->merchant.mchid != old.merchant.mchid || fresh->merchant.serial_no != old.merchant.serial_no ||
           fresh->merchant.private_key_file.spec != old.merchant.private_key_file.spec,
       "merchant");
  note(fresh->platform.base_url.to_string() != old.platform.base_url.to_string(), "platform.base_url");
  note(fresh->notify.listen.port != old.notify.listen.port || fresh->notify.listen.host != old.notify.listen.host,
       "notify.listen");
  const auto& fn = fresh->notify;
  note(fn.max_body_bytes != old.notify.max_body_bytes || fn.request_timeout != old.notify.request_timeout ||
           fn.idle_timeout != old.notify.idle_timeout || fn.max_connections != old.notify.max_connections ||
           fn.max_connections_per_ip != old.notify.max_connections_per_ip,
       "notify.limits");
  note(fresh->metrics.listen.port != old.metrics.listen.port || fresh->metrics.listen.host != old.metrics.listen.host,
       "metrics.listen");
  note(fresh->limits.concurrency != old.limits.concurrency, "limits.concurrency");
  note(fresh->api.listen.has_value() != old.api.listen.has_value() ||
           (fresh->api.listen && (fresh->api.listen->host != old.api.listen->host ||
                                  fresh->api.listen->port != old.api.listen->port)) ||
           fresh->api.tokens_file.spec != old.api.tokens_file.spec || fresh->api.workers != old.api.workers,
       "api");
  note(fresh->limits.batch_size != old.limits.batch_size, "limits.batch_size");
  note(fresh->log.target != old.log.target || fresh->log.file != old.log.file, "log.target");
  auto endpoint_text = [](const std::vector<config::WebhookConfig>& list) {
    std::string t;
    for (const auto& w : list) {
      t += w.name + " " + w.base.to_string() + w.target + " " + w.secret_file.spec + " " +
           std::to_string(w.timeout.count());
      for (const auto& e : w.events) t += " " + e;
      t += "\n";
    }
    return t;
  };
  note(endpoint_text(fresh->webhooks) != endpoint_text(old.webhooks), "webhooks");
  EventLine line("config_reloaded");
  line.kv("config", path.string()).kv("applied", "log.level,schedule,limits rates");
  if (!restart.empty()) line.kv("needs_restart", restart);
  log->info(line.str());
  parts.config.log.level = fresh->log.level;
  parts.config.limits = fresh->limits;
  parts.config.schedule = fresh->schedule;
  systemd.ready(status_line());
}

} // namespace recharged::daemon
