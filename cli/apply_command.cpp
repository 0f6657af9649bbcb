// `recharged apply`: create an order — recorded locally first, then applied — and print its recharge_url.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "core/money.hpp"
#include "engine/order_intake.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace recharged::cli {
namespace {

struct ApplyArgs {
  std::string sub_mchid;
  std::string amount;
  std::string out_recharge_no;
  std::string scene;
  std::string account_type;
  std::vector<std::string> channels;
  std::string notify_url;
  std::string remark;
};

Result<wxpay::ApplyRequest> build_request(const ApplyArgs& a, const config::ApplyConfig& defaults, const Clock& clock) {
  engine::ApplyInput in{a.sub_mchid, 0, a.out_recharge_no, a.scene, a.account_type, a.channels, a.notify_url, a.remark};
  RECHARGED_TRY(in.amount, parse_amount(a.amount, "--amount"));
  return engine::apply_request(in, defaults, clock.now());
}

// What the operator should do about an order whose apply did not settle; names the number in every case, because
// re-running without it would create a second order.
std::string next_step(const std::string& no, const std::optional<orders::Order>& order, const Error& e) {
  if (e.kind == ErrorKind::invalid_input) return "Nothing was recorded or sent.";
  if (!order) {
    return "The order " + no + " may not have been recorded; check with `recharged show " + no +
           "` once the database answers, and re-run with --out-recharge-no " + no + " (never without it).";
  }
  return "The order " + no + " is recorded (" + std::string(orders::to_string(order->state)) +
         ") and nothing is lost: the daemon (recharged run) finishes it by query, or re-run this command with "
         "--out-recharge-no " + no + ". Re-running without --out-recharge-no would create a second order.";
}

int report_failure(const Context& ctx, const std::string& no, const Error& error) {
  const int code = exit_code_for(error);
  std::optional<orders::Order> order;
  if (error.kind != ErrorKind::invalid_input)
    if (auto found = ctx.store->find(no); found) order = std::move(*found);
  if (ctx.options.json) std::cout << failure_json(no, order, error, code) << "\n";
  std::cerr << "recharged: error: " << error.message << "\n"
            << "recharged: " << next_step(no, order, error) << "\n";
  return code;
}

int print_result(const Context& ctx, const orders::Order& order) {
  const bool json = ctx.options.json;
  if (json) std::cout << order_json(order) << "\n";
  const std::string& no = order.out_recharge_no;
  switch (order.state) {
  case orders::OrderState::rejected:
    std::cerr << "recharged: error: WeChat Pay refused the order " << no << ": " << order.last_error << "\n";
    return k_exit_refused;
  case orders::OrderState::suspect:
    std::cerr << "recharged: error: the order " << no << " is SUSPECT: "
              << suspect_reason(order, ctx.store->events(order.id).value_or(std::vector<orders::OrderEvent>{}))
              << "\n";
    return k_exit_attention;
  case orders::OrderState::new_order:
    std::cerr << "recharged: the order " << no << " is still NEW: "
              << (order.apply_lease_owner.empty() ? std::string("its apply") : order.apply_lease_owner + "'s apply")
              << " has not been answered yet. The daemon finishes it by query, or re-run with --out-recharge-no "
              << no << ".\n";
    return k_exit_retry;
  default: break;
  }
  if (order.recharge_url.empty()) {
    std::cerr << "recharged: the order " << no << " is " << orders::to_string(order.state)
              << " at WeChat Pay, but its recharge_url was never recorded (the platform returns it only once, to the "
                 "first apply); see `recharged show "
              << no << "`.\n";
    return k_exit_attention; // the same with --json: the exit code never depends on the output format
  }
  if (!json) std::cout << order.recharge_url << "\n";
  if (order.state == orders::OrderState::recharging) {
    std::cerr << "recharged: order " << no << " is RECHARGING; the payer opens the recharge_url above.\n";
  } else {
    std::cerr << "recharged: note: the order " << no << " already exists and is " << orders::to_string(order.state)
              << ".\n";
  }
  return k_exit_ok;
}

// service.apply(), and while another process holds the order's apply lease, waiting for its outcome (polling the
// database) instead of applying a second time; when that lease runs out with the order still NEW, apply() again
// claims it and settles it by query.
Result<orders::Order> apply_and_wait(Context& ctx, const wxpay::ApplyRequest& request) {
  const std::string& no = request.out_recharge_no;
  const TimePoint give_up = ctx.clock->now() + 2 * ctx.apply_grace;
  bool announced = false;
  StopSignal pause;
  for (;;) {
    RECHARGED_TRY(orders::Order order, ctx.service->apply(request));
    while (ctx.service->lease_held_by_other(order, ctx.clock->now())) {
      if (ctx.clock->now() >= give_up) return order;
      if (!announced) {
        std::cerr << "recharged: " << order.apply_lease_owner << " is applying " << no
                  << " right now; waiting for its outcome instead of applying it twice.\n";
        announced = true;
      }
      pause.wait_for(std::chrono::milliseconds{200});
      RECHARGED_TRY(auto fresh, ctx.store->find(no));
      if (!fresh) return Error::make(ErrorKind::internal, "missing", "The order " + no + " vanished.");
      order = std::move(*fresh);
    }
    if (order.state != orders::OrderState::new_order || !announced) return order;
    // The other holder's lease ended with the order still NEW: claim it and settle it by query.
  }
}

int run_apply(const GlobalOptions& global, const ApplyArgs& args) {
  if (auto amount = parse_amount(args.amount, "--amount"); !amount) return report(amount.error());
  return with_context(global, Needs::platform, [&](Context& ctx) {
    auto request = build_request(args, ctx.config.apply, *ctx.clock);
    if (!request) return report(request.error());
    // A damaged orders table would take the order and never give it to the daemon: refuse before it is recorded
    // and before anything is sent.
    auto sound = ctx.store->check_orders_table();
    if (!sound || *sound != "ok")
      return report(Error::make(ErrorKind::storage, "corrupt",
                                "The database '" + ctx.backend->describe() + "' is damaged (" +
                                    (sound ? "quick_check: " + sound->substr(0, 300) : sound.error().message) +
                                    "); nothing was recorded or sent. Stop the daemon, run `recharged check`, and "
                                    "restore the latest backup (README, \"Backups and recovery\")."));
    auto order = apply_and_wait(ctx, *request);
    if (!order) return report_failure(ctx, request->out_recharge_no, order.error());
    return print_result(ctx, *order);
  });
}

} // namespace

void register_apply_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto args = std::make_shared<ApplyArgs>();
  auto* cmd = app.add_subcommand("apply", "Create a recharge order: record it, apply to WeChat Pay, print its recharge_url");
  cmd->add_option("--sub-mchid", args->sub_mchid, "Secondary merchant id (二级商户号), 1-32 digits")->required();
  cmd->add_option("--amount", args->amount, "Amount: yuan with a decimal point (500.00) or fen with a unit (50000fen)")
      ->required();
  cmd->add_option("--out-recharge-no", args->out_recharge_no,
                  "Your order number, 1-64 of [0-9A-Za-z]; generated as <prefix><yyyyMMddHHmmss><8 random> if omitted. "
                  "Re-running with the same number is safe and returns the same order");
  cmd->add_option("--scene", args->scene, "ECOMMERCE_DEPOSIT or ECOMMERCE_PAYMENT (default from [apply])");
  cmd->add_option("--account-type", args->account_type, "DEPOSIT or OPERATION (default from [apply])");
  cmd->add_option("--channel", args->channels, "Allowed channel, repeatable: BANK_TRANSFER, QR_RECHARGE, ONLINE_BANK "
                                              "(default: [apply] channels, else all)");
  cmd->add_option("--notify-url", args->notify_url, "https URL for result notifications (default from [apply])");
  cmd->add_option("--remark", args->remark, "Shown on the recharge page; at most 20 characters, no emoji");
  cmd->add_flag("--json", global.json, "Print the order as JSON instead of the URL");
  cmd->callback([&selected, &global, args] { selected = [&global, args] { return run_apply(global, *args); }; });
}

} // namespace recharged::cli
