// `recharged run`: the daemon.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "daemon/daemon.hpp"
#include "daemon/signals.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace recharged::cli {
namespace {

int run_daemon(GlobalOptions& global) {
  global.daemon = true;
  // Before any thread exists, so only the watcher thread ever receives TERM/INT/HUP.
  daemon::SignalWatcher::block_signals();
  return with_context(global, Needs::client, [&](Context& ctx) {
    StopSignal stop;
    ctx.transport->abort_on(&stop);
    daemon::DaemonParts parts{ctx.config, ctx.logging,   *ctx.clock,   *ctx.backend,    *ctx.store,
                              *ctx.api,   *ctx.calendar, *ctx.secrets, ctx.apply_grace, ctx.actor};
    auto d = daemon::Daemon::create(std::move(parts), stop);
    if (!d) {
      std::cerr << "recharged: error: " << d.error().message << "\n";
      return exit_code_for_setup(d.error());
    }
    daemon::SignalWatcher watcher(stop, [&d] { (*d)->request_reload(); });
    return (*d)->run();
  });
}

} // namespace

void register_run_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* cmd = app.add_subcommand("run", "Run the daemon: poll, close and settle every open order until SIGTERM");
  cmd->callback([&] { selected = [&global] { return run_daemon(global); }; });
}

} // namespace recharged::cli
