#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace recharged::cli {

struct GlobalOptions;
class Context;
enum class Needs;

// What a chosen subcommand does; returns the process exit code (cli/exit_codes.hpp).
using Action = std::function<int()>;

// Each subcommand lives in its own file and exposes one register function, called by app.cpp:
// it adds the subcommand and its options to `app`, and, from the subcommand's callback, stores what to run
// in `selected`. Nothing runs during parsing. `global` outlives the action.
void register_sandbox_command(CLI::App& app, Action& selected);
void register_apply_command(CLI::App& app, GlobalOptions& global, Action& selected);
void register_order_commands(CLI::App& app, GlobalOptions& global, Action& selected); // show, list, sync, close
void register_admin_commands(CLI::App& app, GlobalOptions& global, Action& selected); // migrate (and check)
void register_check_command(CLI::App& app, GlobalOptions& global, Action& selected);
void register_backup_command(CLI::App& app, GlobalOptions& global, Action& selected);
void register_run_command(CLI::App& app, GlobalOptions& global, Action& selected);
void register_schedule_command(CLI::App& app, GlobalOptions& global, Action& selected); // explain, simulate
void register_webhooks_command(CLI::App& app, GlobalOptions& global, Action& selected); // list, show, replay, secret

// Opens the Context a command needs and runs `body` with it; setup failures are reported with their exit
// code (config 3, storage 6).
int with_context(const GlobalOptions& global, Needs needs, const std::function<int(Context&)>& body);

} // namespace recharged::cli
