#include "cli/app.hpp"

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

namespace recharged {

namespace cli {

int with_context(const GlobalOptions& global, Needs needs, const std::function<int(Context&)>& body) {
  auto ctx = Context::open(global, needs);
  if (!ctx) {
    std::cerr << "recharged: error: " << ctx.error().message << "\n";
    return exit_code_for_setup(ctx.error());
  }
  return body(**ctx);
}

} // namespace cli

int main(int argc, char** argv) {
  try {
    CLI::App app{"recharged: apply for, track and settle WeChat Pay secondary-merchant recharge orders.\n"
                 "Exit codes: 0 ok, 1 internal, 2 usage, 3 config, 4 refused, 5 retry, 6 storage, 7 not found, 8 attention,\n"
                 "9 already running, 10 address in use, 11 paid (close). Manual: recharged(8), recharged.toml(5)."};
    app.set_version_flag("--version", std::string("recharged ") + RECHARGED_VERSION);
    app.require_subcommand(1, 1);
    app.fallthrough();
    cli::GlobalOptions global;
    app.add_option("-c,--config", global.config_path, "Config file (default /etc/recharged/recharged.toml)")
        ->envname("RECHARGED_CONFIG");
    app.add_flag("-v,--verbose", global.verbose, "Log API calls and state changes to stderr");
    cli::Action selected;
    cli::register_run_command(app, global, selected);
    cli::register_apply_command(app, global, selected);
    cli::register_order_commands(app, global, selected);
    cli::register_admin_commands(app, global, selected);
    cli::register_backup_command(app, global, selected);
    cli::register_schedule_command(app, global, selected);
    cli::register_webhooks_command(app, global, selected);
    cli::register_sandbox_command(app, selected);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? cli::k_exit_ok : cli::k_exit_usage;
    }
    if (!app.get_subcommands().empty()) global.command = app.get_subcommands().front()->get_name();
    return selected ? selected() : cli::k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "recharged: error: " << e.what() << "\n";
    return cli::k_exit_internal;
  }
}

} // namespace recharged
