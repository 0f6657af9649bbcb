// `recharged show | list | sync | close`: look at orders and act on one.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "engine/order_intake.hpp"
#include "wxpay/validation.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace recharged::cli {
namespace {

int show(Context& ctx, const std::string& no) {
  if (auto ok = wxpay::validate_out_recharge_no(no); !ok) return report(ok.error());
  auto order = ctx.store->find(no);
  if (!order) return report(order.error());
  if (!*order) return report(Error::make(ErrorKind::not_found, "unknown_order", "There is no order '" + no + "' in the database."));
  auto events = ctx.store->events((*order)->id);
  auto notes = ctx.store->notifications(no);
  auto returns = ctx.store->fund_returns((*order)->id);
  if (!events) return report(events.error());
  if (!notes) return report(notes.error());
  if (!returns) return report(returns.error());
  if (ctx.options.json) {
    std::cout << order_detail_json(**order, *events, *notes, *returns) << "\n";
  } else {
    std::cout << order_text(**order) << "\ntimeline\n" << timeline_text(*events);
    if (!returns->empty()) {
      std::cout << "\nfund returns\n";
      for (const auto& r : *returns)
        std::cout << "  " << (r.return_time ? format_rfc3339(*r.return_time) : "-") << "  "
                  << (r.amount ? format_yuan(*r.amount) : "?") << " " << r.currency << "  " << r.recharge_channel
                  << "  " << r.return_reason << "\n";
    }
    if (!notes->empty()) {
      std::cout << "\nnotifications\n";
      for (const auto& n : *notes)
        std::cout << "  " << format_rfc3339(n.received_at) << "  " << n.event_type << "  " << orders::to_string(n.outcome) << "  " << n.id
                  << "\n";
    }
  }
  return (*order)->state == orders::OrderState::suspect ? k_exit_attention : k_exit_ok;
}

struct ListArgs {
  std::vector<std::string> states;
  std::string sub_mchid;
  std::string since;
  std::string until;
  std::string after;
  int limit = 100;
};

Result<storage::ListFilter> list_filter(const ListArgs& a, TimePoint now) {
  const engine::ListQuery query{a.states, a.sub_mchid, a.since, a.until, a.after, a.limit};
  return engine::list_filter(query, now, [](std::string_view field) {
    std::string option = "--" + std::string(field);
    for (char& c : option) if (c == '_') c = '-';
    return option;
  });
}

int list(Context& ctx, const ListArgs& a) {
  auto filter = list_filter(a, ctx.clock->now());
  if (!filter) return report(filter.error());
  auto page = ctx.store->list(*filter);
  if (!page) return report(page.error());
  const std::optional<std::string> next = page->next ? std::optional(storage::format_cursor(*page->next)) : std::nullopt;
  if (ctx.options.json) {
    std::cout << orders_page_json(page->orders, next) << "\n";
  } else {
    std::cout << orders_table(page->orders);
    if (next)
      std::cerr << "recharged: showing the newest " << page->orders.size()
                << " matching orders; there are more (raise --limit, or continue with --after " << *next << ").\n";
  }
  return k_exit_ok;
}

// The alerts this command recorded (the platform contradicts our record, or does not know the order).
std::vector<std::string> alerts_since(Context& ctx, std::int64_t order_id, TimePoint since) {
  std::vector<std::string> out;
  if (auto events = ctx.store->events(order_id))
    for (const auto& e : *events)
      if (e.kind == orders::EventKind::alert && e.at >= since) out.push_back(e.message);
  return out;
}

int act(Context& ctx, const std::string& no, bool close) {
  const TimePoint started = ctx.clock->now();
  std::optional<orders::OrderState> before;
  if (auto found = ctx.store->find(no); found && *found) before = (*found)->state;
  auto order = close ? ctx.service->close(no, orders::EventSource::operator_action)
                     : ctx.service->sync(no, orders::EventSource::operator_action);
  if (!order) return report(order.error());
  std::cout << (ctx.options.json ? order_json(*order) + "\n" : order_text(*order));
  const std::string state(orders::to_string(order->state));
  if (order->state == orders::OrderState::suspect) {
    std::cerr << "recharged: the order " << no << " is SUSPECT ("
              << suspect_reason(*order, ctx.store->events(order->id).value_or(std::vector<orders::OrderEvent>{}))
              << "): a human must look.\n";
    return k_exit_attention;
  }
  if (const auto alerts = alerts_since(ctx, order->id, started); !alerts.empty()) {
    std::cerr << "recharged: the order " << no << " needs a human: " << alerts.back() << ".\n";
    return k_exit_attention;
  }
  if (!close) return k_exit_ok;
  const bool already = before && *before == order->state;
  switch (order->state) {
  case orders::OrderState::closed:
    if (already) std::cerr << "recharged: the order " << no << " was already CLOSED.\n";
    return k_exit_ok;
  case orders::OrderState::success:
    std::cerr << "recharged: the order " << no << " was not closed: it is paid (SUCCESS"
              << (already ? ", already before this command" : ", the payment landed before the close") << ").\n";
    return k_exit_paid;
  case orders::OrderState::rejected:
    std::cerr << "recharged: the order " << no << " is REJECTED: WeChat Pay never accepted it, so there is nothing "
                 "to close.\n";
    return k_exit_refused;
  case orders::OrderState::closing:
    std::cerr << "recharged: the close is not confirmed yet; the order stays CLOSING and will be confirmed by query.\n";
    return k_exit_retry;
  default:
    std::cerr << "recharged: the order " << no << " is still " << state << ": the close did not go through ("
              << order->last_error << "); re-run the command, or let the daemon close it.\n";
    return k_exit_retry;
  }
}

} // namespace

void register_order_commands(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto no = std::make_shared<std::string>();
  auto* show_cmd = app.add_subcommand("show", "Show an order, its full event timeline, and its next poll and why");
  show_cmd->add_option("out_recharge_no", *no, "The order number")->required();
  show_cmd->add_flag("--json", global.json, "Print JSON");
  show_cmd->callback([&, no] {
    selected = [&global, no] { return with_context(global, Needs::database, [&](Context& c) { return show(c, *no); }); };
  });

  auto args = std::make_shared<ListArgs>();
  auto* list_cmd = app.add_subcommand("list", "List orders, newest first");
  list_cmd->add_option("--state", args->states, "Only these states (repeatable): NEW, RECHARGING, CLOSING, SUCCESS, "
                                                "CLOSED, REJECTED, SUSPECT");
  list_cmd->add_option("--sub-mchid", args->sub_mchid, "Only this secondary merchant");
  list_cmd->add_option("--since", args->since, "Created at or after: RFC 3339 time, or an age like 24h");
  list_cmd->add_option("--until", args->until, "Created before: RFC 3339 time, or an age like 1h");
  list_cmd->add_option("--limit", args->limit, "At most this many (default 100)");
  list_cmd->add_option("--after", args->after, "Continue after this cursor (the next_cursor of a previous --json page)");
  list_cmd->add_flag("--json", global.json, "Print JSON");
  list_cmd->callback([&, args] {
    selected = [&global, args] { return with_context(global, Needs::database, [&](Context& c) { return list(c, *args); }); };
  });

  for (const bool close : {false, true}) {
    auto* cmd = app.add_subcommand(close ? "close" : "sync",
                                   close ? "Close an order now (final query, close, confirming query); a payment that "
                                           "lands meanwhile is recorded SUCCESS"
                                         : "Query an order now and record the answer");
    cmd->add_option("out_recharge_no", *no, "The order number")->required();
    cmd->add_flag("--json", global.json, "Print JSON");
    cmd->callback([&, no, close] {
      selected = [&global, no, close] {
        return with_context(global, Needs::platform, [&](Context& c) { return act(c, *no, close); });
      };
    });
  }
}

} // namespace recharged::cli
