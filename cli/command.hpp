#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace recharged::cli {

// What a chosen subcommand does; returns the process exit code (cli/exit_codes.hpp).
using Action = std::function<int()>;

// Each subcommand lives in its own file and exposes one register function, called by app.cpp:
// it adds the subcommand and its options to `app`, and, from the subcommand's callback, stores what to run
// in `selected`. Nothing runs during parsing.
void register_sandbox_command(CLI::App& app, Action& selected);

} // namespace recharged::cli
