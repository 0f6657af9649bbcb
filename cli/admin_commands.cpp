// `recharged migrate`: create the database or bring its schema up to date.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

namespace recharged::cli {
namespace {

int migrate(const GlobalOptions& global) {
  auto cfg = config::load(global.config_path);
  if (!cfg) {
    report(cfg.error());
    return k_exit_config;
  }
  storage::DatabaseOptions options;
  options.path = cfg->database.path;
  options.busy_timeout = cfg->database.busy_timeout;
  const auto clock = make_clock(cfg->clock);
  options.clock = clock.get();
  auto db = storage::Database::open(options, storage::MigrationMode::create);
  if (!db) {
    report(db.error());
    return k_exit_storage;
  }
  auto version = (*db)->schema_version();
  if (!version) {
    report(version.error());
    return k_exit_storage;
  }
  std::cout << "database " << options.path.string() << " is at schema version " << *version << "\n";
  return k_exit_ok;
}

} // namespace

void register_admin_commands(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* m = app.add_subcommand("migrate", "Create the database or bring its schema up to date (the only command "
                                          "that creates one)");
  m->callback([&] { selected = [&global] { return migrate(global); }; });
  register_check_command(app, global, selected);
}

} // namespace recharged::cli
