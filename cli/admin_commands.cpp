// `recharged migrate | check`: prepare the database and verify an installation.

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
  auto db = storage::Database::open(options, storage::MigrationMode::apply);
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

struct Finding {
  std::string check;
  std::string status; // ok | warn | fail
  std::string message;
};

void add(std::vector<Finding>& out, std::string check, const Status& s, std::string ok_message) {
  if (s) out.push_back({std::move(check), "ok", std::move(ok_message)});
  else out.push_back({std::move(check), "fail", s.error().message});
}

std::vector<Finding> run_checks(const config::Config& cfg, const Clock& clock, int& exit_code) {
  std::vector<Finding> out;
  out.push_back({"config", "ok", "parsed " + cfg.source.string()});
  auto secrets = config::load_secrets(cfg);
  add(out, "keys", secrets ? Status{} : Status{secrets.error()},
      "merchant key readable only by its owner, RSA 2048+; APIv3 key 32 bytes; platform keys loaded" +
          std::string(cfg.merchant.certificate_file ? "; private key matches the certificate and serial_no" : ""));
  if (!secrets) exit_code = k_exit_config;

  auto cal = schedule::SettlementCalendar::load(cfg.calendar.dirs);
  if (!cal) {
    out.push_back({"calendar", "fail", cal.error().message});
    if (exit_code == k_exit_ok) exit_code = k_exit_config;
  } else if (auto gap = cal->first_uncovered(clock.now(), 30)) {
    const auto day = format_utc(TimePoint{std::chrono::sys_days{*gap}}).substr(0, 10);
    out.push_back({"calendar", "warn", "no holiday calendar for " + day + " (within 30 days): drop that year's "
                                       "holiday-cn JSON into /etc/recharged/calendar; until then weekdays count as working days"});
  } else {
    out.push_back({"calendar", "ok", "covers the next 30 days"});
  }

  storage::DatabaseOptions options{cfg.database.path, cfg.database.busy_timeout, true};
  std::error_code missing;
  if (!std::filesystem::exists(cfg.database.path, missing)) {
    out.push_back({"database", "warn", cfg.database.path.string() + " does not exist yet: `recharged migrate` "
                                       "or the daemon's first start creates it"});
    return out;
  }
  auto db = storage::Database::open(options, storage::MigrationMode::require_current);
  if (!db) {
    out.push_back({"database", "fail", db.error().message});
    if (exit_code == k_exit_ok) exit_code = k_exit_storage;
  } else {
    auto integrity = (*db)->integrity_check(false);
    if (!integrity || *integrity != "ok") {
      out.push_back({"database", "fail", integrity ? "integrity_check: " + *integrity : integrity.error().message});
      if (exit_code == k_exit_ok) exit_code = k_exit_storage;
    } else {
      out.push_back({"database", "ok", cfg.database.path.string() + ": schema current, integrity ok"});
    }
  }
  if (!cfg.apply.notify_url)
    out.push_back({"notify", "warn", "[apply] notify_url is not set: orders are settled by polling alone"});
  return out;
}

int check(const GlobalOptions& global) {
  auto cfg = config::load(global.config_path);
  if (!cfg) {
    if (global.json) {
      std::cout << nlohmann::json::array({{{"check", "config"}, {"status", "fail"}, {"message", cfg.error().message}}}).dump(2) << "\n";
    } else {
      std::cout << "fail  config    " << cfg.error().message << "\n";
    }
    return k_exit_config;
  }
  const auto clock = make_clock(cfg->clock);
  int code = k_exit_ok;
  const auto findings = run_checks(*cfg, *clock, code);
  if (global.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& f : findings) arr.push_back({{"check", f.check}, {"status", f.status}, {"message", f.message}});
    std::cout << arr.dump(2) << "\n";
  } else {
    for (const auto& f : findings) {
      std::string pad = f.check;
      pad.resize(10, ' ');
      std::cout << (f.status == "ok" ? "ok    " : f.status == "warn" ? "warn  " : "fail  ") << pad << f.message << "\n";
    }
  }
  return code;
}

} // namespace

void register_admin_commands(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* m = app.add_subcommand("migrate", "Create the database or bring its schema up to date");
  m->callback([&] { selected = [&global] { return migrate(global); }; });
  auto* c = app.add_subcommand("check", "Check the config, key files and permissions, key ⇄ serial, calendar, database");
  c->add_flag("--json", global.json, "Print JSON");
  c->callback([&] { selected = [&global] { return check(global); }; });
}

} // namespace recharged::cli
