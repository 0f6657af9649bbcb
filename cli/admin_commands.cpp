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
  const auto clock = make_clock(cfg->clock);
  auto options = backend_options(*cfg, clock.get());
  if (!options) {
    report(options.error());
    return k_exit_config;
  }
  // On PostgreSQL the database itself must exist (CREATE DATABASE is the administrator's); its schema is created
  // under an advisory lock, so hosts migrating at once apply each version once.
  auto backend = storage::Backend::open(*options, storage::MigrationMode::create);
  if (!backend) {
    report(backend.error());
    return k_exit_storage;
  }
  auto version = (*backend)->schema_version();
  if (!version) {
    report(version.error());
    return k_exit_storage;
  }
  std::cout << "database " << (*backend)->describe() << " is at schema version " << *version << "\n";
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
