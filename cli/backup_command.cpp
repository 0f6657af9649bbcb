// `recharged backup DEST`: an online, consistent, checked copy of the database while the daemon runs, named by
// its recovery point, keeping the newest N (storage::backup does the work).

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "storage/backup.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

namespace recharged::cli {
namespace {

struct BackupArgs {
  std::string dest;
  std::size_t keep = 0;
};

std::string paths_text(const std::vector<std::filesystem::path>& paths) {
  std::string s;
  for (const auto& p : paths) s += (s.empty() ? "" : ", ") + p.filename().string();
  return s;
}

void print(const storage::BackupReport& r, std::size_t kept, bool json) {
  if (json) {
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& t : r.tables) tables[t.table] = t.rows;
    nlohmann::json removed = nlohmann::json::array();
    for (const auto& p : r.removed) removed.push_back(p.string());
    nlohmann::json j{{"file", r.file.string()},
                     {"recovery_point", format_utc(r.recovery_point)},
                     {"last_event_at", r.last_event_at ? nlohmann::json(*r.last_event_at) : nlohmann::json(nullptr)},
                     {"schema_version", r.schema_version},
                     {"integrity_check", r.integrity},
                     {"tables", tables},
                     {"bytes", r.bytes},
                     {"kept", kept},
                     {"removed", removed}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::string rows;
  for (const auto& t : r.tables) rows += (rows.empty() ? "" : ", ") + t.table + " " + std::to_string(t.rows);
  std::cout << "backup " << r.file.string() << " (" << r.bytes << " bytes)\n"
            << "  recovery point " << format_utc(r.recovery_point)
            << ": every change committed before it is in the copy (latest event "
            << r.last_event_at.value_or("none") << ")\n"
            << "  checked: integrity_check " << r.integrity << ", schema version " << r.schema_version
            << ", rows as in the database at that point: " << rows << "\n"
            << "  backups of this database in " << r.file.parent_path().string() << ": " << kept;
  if (!r.removed.empty()) std::cout << "; removed " << paths_text(r.removed);
  std::cout << "\n";
}

int backup(const GlobalOptions& global, const BackupArgs& args) {
  auto cfg = config::load(global.config_path);
  if (!cfg) {
    report(cfg.error());
    return k_exit_config;
  }
  if (cfg->database.postgres()) {
    report(Error::invalid("database.url", "`recharged backup` copies the SQLite file; a PostgreSQL database is backed "
                                          "up by the server's own tools (pg_dump, or base backups with WAL "
                                          "archiving): README, \"Running on more than one host\"."));
    return k_exit_config;
  }
  const auto clock = make_clock(cfg->clock);
  storage::BackupOptions options;
  options.source = cfg->database.path;
  options.dest_dir = args.dest;
  options.now = clock->now();
  options.keep = args.keep;
  options.busy_timeout = cfg->database.busy_timeout;
  auto done = storage::backup(options);
  if (!done) return report(done.error());
  print(*done, storage::list_backups(options.dest_dir, options.source).size(), global.json);
  return k_exit_ok;
}

} // namespace

void register_backup_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* b = app.add_subcommand("backup", "Copy the database, online and consistent while the daemon runs, into DEST "
                                         "as <name>-<UTC time>.db, checked against the database");
  auto args = std::make_shared<BackupArgs>();
  b->add_option("DEST", args->dest, "Directory the backup is written to (must exist)")->required();
  b->add_option("--keep", args->keep, "Keep the newest N backups of this database in DEST, this one included; "
                                      "older ones are removed (default: keep all)")
      ->check(CLI::Validator(
          [](const std::string& v) -> std::string {
            if (!v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == std::string::npos && std::stoul(v) >= 1)
              return {};
            return "is '" + v + "'; it must be a whole number of at least 1 (the new backup counts)";
          },
          "N >= 1"));
  b->add_flag("--json", global.json, "Print JSON");
  b->callback([&global, &selected, args] { selected = [&global, args] { return backup(global, *args); }; });
}

} // namespace recharged::cli
