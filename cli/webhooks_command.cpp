// `recharged webhooks`: what the deliverer did (list, show), sending again (replay), and new secrets (secret).

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "storage/feed_store.hpp"
#include "webhooks/signature.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace recharged::cli {
namespace {

using nlohmann::json;

struct WebhooksArgs {
  std::string endpoint;
  std::string order;
  std::int64_t id = 0;
  std::string since;
  int limit = 50;
};

json time_or_null(const std::optional<TimePoint>& t) { return t ? json(format_utc(*t)) : json(nullptr); }

json delivery_object(const storage::DeliveryRow& d) {
  return json{{"id", d.id},
              {"endpoint", d.endpoint},
              {"webhook_id", storage::event_id(d.feed_event_id)},
              {"out_recharge_no", d.out_recharge_no},
              {"type", d.type},
              {"state", d.state},
              {"attempts", d.attempts},
              {"next_attempt_at", time_or_null(d.next_attempt_at)},
              {"last_attempt_at", time_or_null(d.last_attempt_at)},
              {"delivered_at", time_or_null(d.delivered_at)},
              {"last_status", d.last_status},
              {"last_error", d.last_error},
              {"created_at", format_utc(d.created_at)}};
}

const config::WebhookConfig* find_endpoint(const config::Config& c, const std::string& name) {
  for (const auto& w : c.webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

Result<const config::WebhookConfig*> configured(const config::Config& c, const std::string& name) {
  if (const auto* w = find_endpoint(c, name)) return w;
  std::string known;
  for (const auto& w : c.webhooks) known += (known.empty() ? "" : ", ") + w.name;
  return Error::make(ErrorKind::not_found, "unknown_endpoint",
                     "No [[webhooks]] endpoint is called '" + name.substr(0, 40) + "' in the config" +
                         (known.empty() ? " (it configures none)." : "; its endpoints are " + known + "."));
}

int list(Context& ctx, const WebhooksArgs& a) {
  const auto store = ctx.backend->webhook_store(ctx.actor, Millis{0}); // reads and replays: it claims nothing
  auto summaries = store->summaries();
  if (!summaries) return report(summaries.error());
  const TimePoint now = ctx.clock->now();
  if (ctx.options.json) {
    json arr = json::array();
    for (const auto& s : *summaries)
      arr.push_back({{"endpoint", s.endpoint},
                     {"configured", find_endpoint(ctx.config, s.endpoint) != nullptr},
                     {"cursor", s.after},
                     {"pending", s.pending},
                     {"delivered", s.delivered},
                     {"failed", s.failed},
                     {"oldest_pending_created_at", time_or_null(s.oldest_pending_created_at)}});
    std::cout << arr.dump(2) << "\n";
    return k_exit_ok;
  }
  (void)a;
  std::printf("%-20s %9s %9s %7s  %s\n", "ENDPOINT", "PENDING", "DELIVERED", "FAILED", "OLDEST PENDING");
  for (const auto& s : *summaries) {
    std::string oldest = "-";
    if (s.oldest_pending_created_at)
      oldest = format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *s.oldest_pending_created_at)) + " ago";
    std::printf("%-20s %9lld %9lld %7lld  %s%s\n", s.endpoint.c_str(), static_cast<long long>(s.pending),
                static_cast<long long>(s.delivered), static_cast<long long>(s.failed), oldest.c_str(),
                find_endpoint(ctx.config, s.endpoint) ? "" : "  (no longer configured)");
  }
  for (const auto& w : ctx.config.webhooks) {
    const bool seen = std::any_of(summaries->begin(), summaries->end(), [&](const auto& s) { return s.endpoint == w.name; });
    if (!seen) std::printf("%-20s %9s %9s %7s  %s\n", w.name.c_str(), "-", "-", "-", "(the daemon has not started it yet)");
  }
  return k_exit_ok;
}

int show(Context& ctx, const WebhooksArgs& a) {
  const auto store = ctx.backend->webhook_store(ctx.actor, Millis{0}); // reads and replays: it claims nothing
  if (a.id != 0) {
    auto d = store->delivery(a.id);
    if (!d) return report(d.error());
    if (!*d) return report(Error::make(ErrorKind::not_found, "unknown_delivery",
                                       "No webhook delivery has the id " + std::to_string(a.id) + "."));
    auto attempts = store->attempts(a.id);
    if (!attempts) return report(attempts.error());
    if (ctx.options.json) {
      json j = delivery_object(**d);
      j["attempts_log"] = json::array();
      for (const auto& t : *attempts)
        j["attempts_log"].push_back({{"at", format_utc(t.at)}, {"status", t.status}, {"latency_ms", t.latency_ms},
                                     {"error", t.error}});
      std::cout << j.dump(2) << "\n";
      return k_exit_ok;
    }
    const auto& r = **d;
    std::cout << "delivery     " << r.id << " to " << r.endpoint << "  (webhook-id " << storage::event_id(r.feed_event_id)
              << ")\n"
              << "event        " << r.type << " of order " << r.out_recharge_no << "\n"
              << "state        " << r.state << " after " << r.attempts << " attempt(s)"
              << (r.next_attempt_at ? ", next at " + format_utc(*r.next_attempt_at) : std::string()) << "\n";
    for (const auto& t : *attempts)
      std::cout << "  " << format_utc(t.at) << "  status " << t.status << "  " << t.latency_ms << " ms"
                << (t.error.empty() ? "" : "  " + t.error) << "\n";
    return k_exit_ok;
  }
  auto rows = store->deliveries(a.endpoint, a.order, a.limit);
  if (!rows) return report(rows.error());
  if (ctx.options.json) {
    json arr = json::array();
    for (const auto& r : *rows) arr.push_back(delivery_object(r));
    std::cout << arr.dump(2) << "\n";
    return k_exit_ok;
  }
  std::printf("%8s  %-16s %-14s %-22s %-24s %-9s %3s  %s\n", "ID", "ENDPOINT", "WEBHOOK-ID", "TYPE", "ORDER", "STATE",
              "TRY", "LAST");
  for (const auto& r : *rows)
    std::printf("%8lld  %-16s %-14s %-22s %-24s %-9s %3d  %s\n", static_cast<long long>(r.id), r.endpoint.c_str(),
                storage::event_id(r.feed_event_id).c_str(), r.type.c_str(), r.out_recharge_no.c_str(),
                r.state.c_str(), r.attempts,
                r.last_error.empty() ? (r.last_status ? std::to_string(r.last_status).c_str() : "-") : r.last_error.c_str());
  return k_exit_ok;
}

int replay(Context& ctx, const WebhooksArgs& a) {
  const auto store = ctx.backend->webhook_store(ctx.actor, Millis{0}); // reads and replays: it claims nothing
  const TimePoint now = ctx.clock->now();
  std::int64_t queued = 0;
  if (a.id != 0) {
    auto n = store->replay_delivery(a.id, now);
    if (!n) return report(n.error());
    if (*n == 0) return report(Error::make(ErrorKind::not_found, "unknown_delivery",
                                           "No webhook delivery has the id " + std::to_string(a.id) + "."));
    queued = *n;
  } else {
    if (a.endpoint.empty() || a.since.empty())
      return report(Error::invalid("--endpoint", "Replay one delivery with --id, or an endpoint's messages with "
                                                 "--endpoint NAME --since TIME (RFC 3339)."));
    auto endpoint = configured(ctx.config, a.endpoint);
    if (!endpoint) return report(endpoint.error());
    auto since = parse_rfc3339(a.since);
    if (!since) return report(Error::invalid("--since", "The --since '" + a.since.substr(0, 40) +
                                                            "' is not an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00."));
    storage::WebhookEndpoint e{(*endpoint)->name, {(*endpoint)->events.begin(), (*endpoint)->events.end()}};
    auto n = store->replay_since(e, *since, now);
    if (!n) return report(n.error());
    queued = *n;
  }
  if (ctx.options.json) std::cout << json{{"queued", queued}}.dump(2) << "\n";
  else std::cout << queued << " message(s) queued; the running daemon sends them with their original webhook-id\n";
  return k_exit_ok;
}

} // namespace

void register_webhooks_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto args = std::make_shared<WebhooksArgs>();
  auto* w = app.add_subcommand("webhooks", "Webhook deliveries to the merchant's endpoints: list, show, replay, secret");
  w->require_subcommand(1);
  auto run = [&global, &selected, args](auto body) {
    return [&global, &selected, args, body] {
      selected = [&global, args, body] {
        return with_context(global, Needs::database, [&](Context& ctx) { return body(ctx, *args); });
      };
    };
  };

  auto* l = w->add_subcommand("list", "Each endpoint's pending, delivered and failed messages and its oldest backlog");
  l->add_flag("--json", global.json, "Print JSON");
  l->callback(run(list));

  auto* s = w->add_subcommand("show", "Deliveries, newest first (or one, with its every attempt)");
  s->add_option("--endpoint", args->endpoint, "Only this endpoint's");
  s->add_option("--order", args->order, "Only this order's (its out_recharge_no)");
  s->add_option("--id", args->id, "One delivery, with its attempts");
  s->add_option("--limit", args->limit, "At most this many rows")->check(CLI::Range(1, 10000))->capture_default_str();
  s->add_flag("--json", global.json, "Print JSON");
  s->callback(run(show));

  auto* r = w->add_subcommand("replay", "Send again: one delivery (--id), or an endpoint's messages since a time");
  r->add_option("--id", args->id, "The delivery to send again");
  r->add_option("--endpoint", args->endpoint, "The endpoint whose messages are sent again");
  r->add_option("--since", args->since, "With --endpoint: every message recorded since this RFC 3339 time");
  r->add_flag("--json", global.json, "Print JSON");
  r->callback(run(replay));

  auto* k = w->add_subcommand("secret", "Print a new random whsec_ secret for an endpoint's secret_file");
  k->callback([&selected] {
    selected = [] {
      std::cout << webhooks::Secret::generate() << "\n";
      return k_exit_ok;
    };
  });
}

} // namespace recharged::cli
