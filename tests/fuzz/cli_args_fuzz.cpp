// Fuzz target: the command line. The input is split at NUL bytes into argv; it is parsed by the same CLI11
// set-up as `recharged` (every subcommand registered, nothing run), and every argument is also put through the
// value rules the subcommands apply before anything is recorded or sent: amounts, order numbers, merchant ids,
// notify URLs, remarks, states, RFC 3339 times and ages (as `list --since/--until` computes them), channel,
// scene and account-type names, and whole apply requests.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "core/money.hpp"
#include "engine/order_request.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "wxpay/validation.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

using namespace recharged;

namespace {

constexpr std::size_t k_max_args = 24;

std::vector<std::string> split_args(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"recharged"};
  std::string current;
  for (std::size_t i = 0; i < size && args.size() < k_max_args; ++i) {
    if (data[i] == 0) {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  if (args.size() < k_max_args) args.push_back(std::move(current));
  return args;
}

// The same options and subcommands as recharged::main, built once (CLI11 parses again after clear()); the chosen
// action is never run.
struct Parser {
  CLI::App app{"recharged"};
  cli::GlobalOptions global;
  cli::Action selected;

  Parser() {
    app.set_version_flag("--version", std::string("recharged fuzz"));
    app.require_subcommand(1, 1);
    app.fallthrough();
    app.add_option("-c,--config", global.config_path, "Config file");
    app.add_flag("-v,--verbose", global.verbose, "Verbose");
    cli::register_run_command(app, global, selected);
    cli::register_apply_command(app, global, selected);
    cli::register_order_commands(app, global, selected);
    cli::register_admin_commands(app, global, selected);
    cli::register_schedule_command(app, global, selected);
    cli::register_sandbox_command(app, selected);
  }
};

void parse_like_main(std::vector<std::string> args) {
  static Parser parser;
  parser.app.clear();
  parser.selected = nullptr;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    parser.app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    // A refusal: `recharged` prints it and exits 2.
  }
}

// `list --since/--until`: an RFC 3339 time, or an age counted back from now.
void when(const std::string& text, TimePoint now) {
  if (auto t = parse_rfc3339(text)) {
    (void)format_rfc3339(*t);
    return;
  }
  if (auto d = parse_duration(text)) {
    (void)(now - *d);
    (void)format_duration(*d);
  }
}

void values(const std::string& v, TimePoint now) {
  if (auto fen = parse_amount(v, "--amount")) {
    if (*fen <= 0) __builtin_trap(); // zero and negative amounts are refused
    (void)format_yuan(*fen);
  }
  (void)wxpay::validate_out_recharge_no(v);
  (void)wxpay::validate_mchid(v, "sub_mchid");
  (void)wxpay::validate_notify_url(v);
  (void)wxpay::validate_remark(v);
  (void)orders::parse_order_state(v);
  (void)wxpay::parse<wxpay::RechargeChannel>(v);
  (void)wxpay::parse<wxpay::RechargeScene>(v);
  (void)wxpay::parse<wxpay::AccountType>(v);
  when(v, now);
  if (v.size() <= 40) (void)engine::generate_out_recharge_no(v, now);
}

// An apply request built from the first arguments, as `recharged apply` builds one, then validated whole.
void apply_request(const std::vector<std::string>& a, TimePoint now) {
  if (a.size() < 7) return;
  wxpay::ApplyRequest r;
  r.sub_mchid = a[1];
  r.out_recharge_no = a[2];
  r.recharge_scene = wxpay::Known<wxpay::RechargeScene>::from_text(a[3]);
  r.account_type = wxpay::Known<wxpay::AccountType>::from_text(a[4]);
  r.recharge_amount.amount = parse_amount(a[5]).value_or(1);
  r.notify_url = a[6];
  if (a.size() > 7) r.remark = a[7];
  for (std::size_t i = 8; i < a.size(); ++i)
    r.available_recharge_channels.push_back(wxpay::Known<wxpay::RechargeChannel>::from_text(a[i]));
  if (wxpay::validate(r)) {
    const orders::Order o = engine::order_from_request(r, now);
    if (!engine::request_difference(o, r).empty()) __builtin_trap(); // a stored order is the request it came from
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const TimePoint now = fuzz::fixture().now;
  const auto args = split_args(data, size);
  parse_like_main(args);
  for (std::size_t i = 1; i < args.size(); ++i) values(args[i], now);
  apply_request(args, now);
  return 0;
}
