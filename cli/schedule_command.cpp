// `recharged schedule explain NO | simulate`: the polls the scheduler made and would make, with reasons.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "engine/policy_planner.hpp"
#include "core/utf8.hpp"
#include "schedule/poll_policy.hpp"
#include "wxpay/validation.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace recharged::cli {
namespace {

struct SimulateArgs {
  std::string push = "unknown";
  std::vector<std::string> channels;
  std::string created;
  std::string out_recharge_no = "SIMULATED0001";
  std::size_t max_polls = 1000;
};

std::string relative(TimePoint t, TimePoint origin) {
  const auto d = std::chrono::duration_cast<std::chrono::seconds>(t - origin);
  return (d.count() < 0 ? "-" : "+") + format_duration(std::chrono::abs(d));
}

nlohmann::json plan_json(const std::vector<schedule::PlannedPoll>& plan, TimePoint origin) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : plan) {
    if (!schedule::is_scheduled(p)) {
      arr.push_back({{"at", nullptr}, {"action", "none"}, {"reason", p.reason}});
      continue;
    }
    arr.push_back({{"at", format_rfc3339(p.at)}, {"after", relative(p.at, origin)},
                   {"action", schedule::to_string(p.action)}, {"reason", p.reason}});
  }
  return arr;
}

void print_plan(const std::vector<schedule::PlannedPoll>& plan, TimePoint origin) {
  char line[160];
  std::snprintf(line, sizeof line, "%4s  %-25s  %-12s  %-6s  %s\n", "#", "WHEN (Shanghai)", "AFTER", "ACTION", "REASON");
  std::cout << line;
  std::size_t i = 0;
  for (const auto& p : plan) {
    ++i;
    if (!schedule::is_scheduled(p)) {
      std::cout << "      (no further calls) " << p.reason << "\n";
      continue;
    }
    std::snprintf(line, sizeof line, "%4zu  %-25s  %-12s  %-6s  ", i, format_rfc3339(p.at).c_str(),
                  relative(p.at, origin).c_str(), std::string(schedule::to_string(p.action)).c_str());
    std::cout << line << p.reason << "\n";
  }
  const auto calls = static_cast<std::size_t>(
      std::count_if(plan.begin(), plan.end(), [](const auto& p) { return schedule::is_scheduled(p); }));
  std::cout << calls << (calls == 1 ? " planned call" : " planned calls");
  if (!plan.empty() && plan.back().action == schedule::PollAction::close)
    std::cout << " (the close itself is a final query, the close call and a confirming query)";
  std::cout << "\n";
}

std::string channels_text(const std::vector<std::string>& channels) {
  std::string s;
  for (const auto& c : channels) s += (s.empty() ? "" : ",") + c;
  return s.empty() ? "all" : s;
}

// A warning when the plan reaches days the holiday calendar does not cover (there, every weekday counts as a
// working day and holidays are not known); nullopt when it is covered.
std::optional<std::string> coverage_warning(const schedule::SettlementCalendar& calendar, TimePoint from,
                                            const std::vector<schedule::PlannedPoll>& plan) {
  TimePoint last = from;
  for (const auto& p : plan)
    if (schedule::is_scheduled(p)) last = std::max(last, p.at);
  const auto days = static_cast<int>(std::chrono::ceil<std::chrono::days>(last - from).count()) + 1;
  const auto gap = calendar.first_uncovered(from, days);
  if (!gap) return std::nullopt;
  return "the holiday calendar does not cover " + format_utc(TimePoint{std::chrono::sys_days{*gap}}).substr(0, 10) +
         ", which this plan reaches: there every weekday counts as a working day and no holiday is known; drop "
         "that year's holiday-cn JSON into /etc/recharged/calendar";
}

// --push: which push health to plan with.
Result<schedule::PushHealth> parse_push(std::string_view text) {
  for (const auto h : {schedule::PushHealth::unknown, schedule::PushHealth::healthy, schedule::PushHealth::unhealthy})
    if (schedule::to_string(h) == text) return h;
  return Error::invalid("--push", "The --push '" + std::string(text) + "' is unknown; use healthy, unhealthy or unknown.");
}

// "schedule: safety net (push healthy since …: …)", the line that says which schedule a plan uses and why.
std::string schedule_line(const schedule::PollPolicyConfig& cfg, const schedule::PushView& push,
                          std::string_view source) {
  return "schedule: " + std::string(schedule::to_string(schedule::schedule_for(cfg, push))) + " (" +
         schedule::schedule_why(cfg, push) + "; " + std::string(source) + ")";
}

struct Policy {
  schedule::PollPolicyConfig cfg;
  schedule::SettlementCalendar calendar;
};

Result<Policy> load_policy(const config::Config& cfg) {
  RECHARGED_TRY(schedule::SettlementCalendar cal, schedule::SettlementCalendar::load(cfg.calendar.dirs));
  return Policy{cfg.schedule, std::move(cal)};
}

int explain(Context& ctx, const std::string& no, std::size_t max_polls, const std::string& push_text) {
  if (auto ok = wxpay::validate_out_recharge_no(no); !ok) return report(ok.error());
  auto policy = load_policy(ctx.config);
  if (!policy) return report(policy.error());
  auto order = ctx.store->find(no);
  if (!order) return report(order.error());
  if (!*order) return report(Error::make(ErrorKind::not_found, "unknown_order", "There is no order '" + no + "' in the database."));
  auto events = ctx.store->events((*order)->id);
  if (!events) return report(events.error());
  const auto& o = **order;
  const TimePoint origin = o.applied_at.value_or(o.created_at);
  const TimePoint now = ctx.clock->now();
  // Without --push: the push health the daemon's last plan for this order was made with.
  schedule::PushView push{schedule::PushHealth::unknown, now};
  std::string source = "push health from --push";
  if (push_text.empty()) {
    const bool sparse = o.next_poll_reason.rfind(schedule::to_string(schedule::PollRule::safety_net), 0) == 0;
    push.health = sparse ? schedule::PushHealth::healthy : schedule::PushHealth::unknown;
    source = sparse ? "the daemon's last plan for this order used the safety net; --push unhealthy shows the full one"
                    : "the daemon's last plan for this order used the full schedule; --push healthy shows the safety net";
  } else {
    auto parsed = parse_push(push_text);
    if (!parsed) return report(parsed.error());
    push.health = *parsed;
  }
  const std::string which = schedule_line(policy->cfg, push, source);
  const auto plan = schedule::plan_until_close(o, std::max(now, o.last_poll_at.value_or(now)), policy->calendar,
                                               policy->cfg, max_polls, push);
  const auto warning = coverage_warning(policy->calendar, now, plan);
  if (ctx.options.json) {
    nlohmann::json made = nlohmann::json::array();
    for (const auto& e : *events)
      if (!e.endpoint.empty())
        made.push_back({{"at", format_rfc3339(e.at)}, {"after", relative(e.at, origin)}, {"endpoint", e.endpoint},
                        {"source", orders::to_string(e.source)}, {"http_status", e.http_status},
                        {"error_code", e.error_code}, {"request_id", e.request_id}, {"message", e.message}});
    nlohmann::json out{{"out_recharge_no", o.out_recharge_no},
                       {"state", orders::to_string(o.state)},
                       {"channels", o.channels},
                       {"accepted", o.applied_at ? nlohmann::json(format_rfc3339(*o.applied_at)) : nlohmann::json(nullptr)},
                       {"close_after", format_rfc3339(o.close_after)},
                       {"next_poll_at", o.next_poll_at ? nlohmann::json(format_rfc3339(*o.next_poll_at)) : nlohmann::json(nullptr)},
                       {"next_poll_reason", o.next_poll_reason},
                       {"calls_made", made},
                       {"schedule", schedule::to_string(schedule::schedule_for(policy->cfg, push))},
                       {"schedule_reason", which},
                       {"calls_planned", plan_json(plan, origin)},
                       {"calendar_warning", warning ? nlohmann::json(*warning) : nlohmann::json(nullptr)}};
    std::cout << out.dump(2) << "\n";
    return k_exit_ok;
  }
  std::cout << "order " << o.out_recharge_no << "  " << orders::to_string(o.state) << "  channels "
            << channels_text(o.channels) << "  accepted " << (o.applied_at ? format_rfc3339(*o.applied_at) : "-")
            << "  close after " << format_rfc3339(o.close_after) << "\n\ncalls made\n";
  for (const auto& e : *events)
    if (!e.endpoint.empty())
      std::cout << "  " << format_rfc3339(e.at) << "  " << relative(e.at, origin) << "  " << e.endpoint << "  "
                << orders::to_string(e.source) << "  " << (e.error_code.empty() ? e.message : e.error_code) << "\n";
  std::cout << "\ncalls planned, if nothing changes; " << which << "\n";
  print_plan(plan, origin);
  if (warning) std::cerr << "recharged: warning: " << *warning << ".\n";
  return k_exit_ok;
}

int simulate(const GlobalOptions& global, const SimulateArgs& a) {
  auto cfg = config::load(global.config_path);
  if (!cfg) {
    std::cerr << "recharged: error: " << cfg.error().message << "\n";
    return k_exit_config;
  }
  auto policy = load_policy(*cfg);
  if (!policy) return report(policy.error());
  orders::Order o;
  o.out_recharge_no = a.out_recharge_no;
  o.state = orders::OrderState::recharging;
  for (const auto& c : a.channels) {
    const std::string name = to_upper_ascii(c);
    if (!wxpay::parse<wxpay::RechargeChannel>(name))
      return report(Error::invalid("--channel", "The --channel '" + c + "' is unknown; use BANK_TRANSFER, QR_RECHARGE or ONLINE_BANK."));
    o.channels.push_back(name);
  }
  const auto clock = make_clock(cfg->clock);
  TimePoint created = clock->now();
  if (!a.created.empty()) {
    auto t = parse_rfc3339(a.created);
    if (!t) return report(Error::invalid("--created", "The --created '" + a.created + "' must be an RFC 3339 time such as 2026-09-30T16:00:00+08:00."));
    created = *t;
  }
  o.created_at = created;
  o.applied_at = created;
  o.close_after = schedule::stale_close_deadline(o, policy->calendar, policy->cfg);
  auto health = parse_push(a.push);
  if (!health) return report(health.error());
  const schedule::PushView push{*health, created};
  const std::string which = schedule_line(policy->cfg, push, "push health from --push");
  const auto plan = schedule::plan_until_close(o, created, policy->calendar, policy->cfg, a.max_polls, push);
  const auto warning = coverage_warning(policy->calendar, created, plan);
  if (global.json) {
    nlohmann::json out{{"accepted", format_rfc3339(created)},
                       {"channels", o.channels},
                       {"close_after", format_rfc3339(o.close_after)},
                       {"schedule", schedule::to_string(schedule::schedule_for(policy->cfg, push))},
                       {"schedule_reason", which},
                       {"calls_planned", plan_json(plan, created)},
                       {"calendar_warning", warning ? nlohmann::json(*warning) : nlohmann::json(nullptr)}};
    std::cout << out.dump(2) << "\n";
    return k_exit_ok;
  }
  std::cout << "hypothetical order accepted " << format_rfc3339(created) << ", channels " << channels_text(o.channels)
            << ", never paid; close after " << format_rfc3339(o.close_after) << "\n" << which << "\n";
  print_plan(plan, created);
  if (warning) std::cerr << "recharged: warning: " << *warning << ".\n";
  return k_exit_ok;
}

} // namespace

void register_schedule_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* cmd = app.add_subcommand("schedule", "Show the polls the scheduler made and plans, with their reasons");
  cmd->require_subcommand(1);
  auto no = std::make_shared<std::string>();
  auto max = std::make_shared<std::size_t>(1000);
  auto push = std::make_shared<std::string>();
  auto* ex = cmd->add_subcommand("explain", "The polls made for an order and those planned until its close");
  ex->add_option("out_recharge_no", *no, "The order number")->required();
  ex->add_option("--max", *max, "Show at most this many planned polls");
  ex->add_option("--push", *push, "Plan with this push health: healthy (the safety net), unhealthy or unknown (the "
                                  "full schedule); default: what the daemon's last plan for the order used");
  ex->add_flag("--json", global.json, "Print the planned polls as JSON");
  ex->callback([&, no, max, push] {
    selected = [&global, no, max, push] {
      return with_context(global, Needs::database, [&](Context& c) { return explain(c, *no, *max, *push); });
    };
  });
  auto args = std::make_shared<SimulateArgs>();
  auto* sim = cmd->add_subcommand("simulate", "The polls for a hypothetical, never-paid order (e.g. a bank transfer "
                                              "created on the eve of a holiday)");
  sim->add_option("--channel", args->channels, "Allowed channel, repeatable (default: all)");
  sim->add_option("--created", args->created, "When the platform accepted it, RFC 3339 (default: now)");
  sim->add_option("--max", args->max_polls, "Show at most this many polls");
  sim->add_option("--push", args->push, "Plan with this push health: healthy (the safety net while push_aware), "
                                        "unhealthy or unknown (the full schedule)")
      ->capture_default_str();
  sim->add_flag("--json", global.json, "Print JSON");
  sim->callback([&, args] { selected = [&global, args] { return simulate(global, *args); }; });
}

} // namespace recharged::cli
