// `recharged check`: what `recharged run` needs, checked without starting it — the config (every section, by the
// same parser `run` uses), the key files, the calendar, the database (there, writable by its owner, sound,
// checkpointing) and the listen addresses — each problem with what to do next. With --online, also one signed
// query for a made-up order to the primary and to the backup host, diagnosed by diagnose/: the only call it
// makes is that GET, so no order can be created or changed.

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "crypto/random.hpp"
#include "diagnose/setup.hpp"
#include "http/curl_transport.hpp"
#include "http/server.hpp"
#include "storage/backend.hpp"
#include "storage/daemon_lock.hpp"
#include "storage/pg_nodes.hpp"
#include "wxpay/validation.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>

namespace recharged::cli {
namespace {

struct Finding {
  std::string check;
  diagnose::Status status = diagnose::Status::ok;
  std::string message;
  std::string next;   // what to do about a warn or fail
  std::string host;   // --online: "primary" or "backup" for what that host answered
};

struct CheckArgs {
  bool online = false;
  std::string sub_mchid; // --online: the query's sub_mchid (default: the platform merchant's own mchid)
};

class Findings {
public:
  void ok(std::string check, std::string message) { all.push_back({std::move(check), diagnose::Status::ok, std::move(message), {}, {}}); }
  void warn(std::string check, std::string message, std::string next) {
    all.push_back({std::move(check), diagnose::Status::warn, std::move(message), std::move(next), {}});
  }
  // The first failure decides the exit code.
  void fail(std::string check, std::string message, std::string next, int code) {
    all.push_back({std::move(check), diagnose::Status::fail, std::move(message), std::move(next), {}});
    if (exit_code == k_exit_ok) exit_code = code;
  }
  // A diagnosis finding: a failure the network caused exits 5 (retry), any other 3 (the set-up).
  void add(const diagnose::Finding& f) {
    all.push_back({f.check, f.status, f.message, f.next, f.host});
    if (f.status == diagnose::Status::fail && exit_code == k_exit_ok) exit_code = f.network ? k_exit_retry : k_exit_config;
  }

  std::vector<Finding> all;
  int exit_code = k_exit_ok;
};

std::string user_name(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid)) return pw->pw_name;
  return "uid " + std::to_string(uid);
}

// Root checks the database as the user who owns it (the daemon's user), so "writable" means writable for the
// daemon, and nothing root creates on the way (a -shm file) ends up owned by root. Restores root on destruction.
class AsOwner {
public:
  explicit AsOwner(const struct stat& st) {
    if (::geteuid() != 0 || st.st_uid == 0) return;
    switched_ = ::setegid(st.st_gid) == 0 && ::seteuid(st.st_uid) == 0;
  }
  ~AsOwner() {
    if (!switched_) return;
    if (::seteuid(0) != 0 || ::setegid(0) != 0) std::abort(); // cannot happen: the saved set-user-ID is root
  }
  AsOwner(const AsOwner&) = delete;
  AsOwner& operator=(const AsOwner&) = delete;

private:
  bool switched_ = false;
};

bool writable(const std::filesystem::path& p) { return ::faccessat(AT_FDCWD, p.c_str(), W_OK, AT_EACCESS) == 0; }

// The files SQLite writes for this database: the directory (for -wal and -shm) and each that exists. Returns
// whether everything is writable.
bool check_files(const std::filesystem::path& db, const std::string& user, Findings& out) {
  const std::filesystem::path dir = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
    out.fail("database", dir.string() + " is on a read-only filesystem: recharged cannot record anything there",
             "mount it read-write, or move the database (and [database] path) to a writable filesystem", k_exit_storage);
    return false;
  }
  bool ok = true;
  if (!writable(dir)) {
    out.fail("database", "the directory " + dir.string() + " is not writable by " + user +
                             ": SQLite creates the database's -wal and -shm files there",
             "chown " + user + " " + dir.string() + " (systemd's StateDirectory= does this for /var/lib/recharged)",
             k_exit_storage);
    ok = false;
  }
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path file = db.string() + suffix;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec) || writable(file)) continue;
    out.fail("database", file.string() + " is not writable by " + user, "chown " + user + " " + file.string(),
             k_exit_storage);
    ok = false;
  }
  return ok;
}

std::string next_for(const Error& e) {
  if (e.code == "corrupt") return "stop the daemon and restore the latest backup (README, \"Backups and recovery\")";
  if (e.code == "schema_too_new") return "run the recharged release that wrote it, or a newer one";
  if (e.code == "busy") return "another process holds the write lock; find it with `fuser` on the database file";
  return "see the message; `recharged run` would refuse the same way";
}

void check_schema_and_pages(const config::Config& cfg, bool can_write, Findings& out) {
  storage::DatabaseOptions options{cfg.database.path, cfg.database.busy_timeout, !can_write};
  auto db = storage::Database::open(options, storage::MigrationMode::inspect);
  if (!db) return out.fail("database", db.error().message, next_for(db.error()), k_exit_storage);
  const auto version = (*db)->schema_version();
  if (version && *version < storage::Database::latest_version())
    out.warn("schema", "schema version " + std::to_string(*version) + " of " +
                           std::to_string(storage::Database::latest_version()),
             "`recharged migrate` (or the daemon at its next start) applies the pending migrations");
  auto integrity = (*db)->integrity_check(false);
  if (!integrity || *integrity != "ok") {
    return out.fail("database", integrity ? "integrity_check found damage: " + integrity->substr(0, 500)
                                          : integrity.error().message,
                    next_for(Error::make(ErrorKind::storage, "corrupt", "")), k_exit_storage);
  }
  out.ok("database", cfg.database.path.string() + ": schema version " + std::to_string(version.value_or(0)) +
                         ", integrity_check ok");
  if (!can_write) return;
  auto wal = (*db)->checkpoint();
  if (!wal) return out.fail("wal", wal.error().message, next_for(wal.error()), k_exit_storage);
  if (wal->busy || wal->checkpointed < wal->wal_frames)
    return out.warn("wal", "only " + std::to_string(wal->checkpointed) + " of the " + std::to_string(wal->wal_frames) +
                               " frames in the WAL could be written back: a reader holds an old snapshot (an idle "
                               "sqlite3 session or a long transaction), and the WAL grows until it ends",
                    "close long-running sqlite3 sessions on the database (and the daemon's /healthz shows it too)");
  out.ok("wal", "checkpoints complete (" + std::to_string(wal->wal_frames) + " frames)");
}

// PostgreSQL: the server answers, the schema is recharged's and current, the orders indexes are usable, and who
// shares the database (the cluster). Returns whether a daemon runs on it now (a live node).
bool check_postgres(const config::Config& cfg, const Clock& clock, Findings& out) {
  auto options = backend_options(cfg, &clock);
  if (!options) {
    out.fail("database", options.error().message, "fix database.url_file or its permissions", k_exit_config);
    return false;
  }
  auto backend = storage::Backend::open(*options, storage::MigrationMode::inspect);
  if (!backend) {
    out.fail("database", backend.error().message,
             "check the server, the URL and the role (README, \"Running on more than one host\"); a new database gets "
             "its schema from `recharged migrate`",
             k_exit_storage);
    return false;
  }
  const auto version = (*backend)->schema_version();
  if (version && *version < (*backend)->latest_version())
    out.warn("schema", "schema version " + std::to_string(*version) + " of " + std::to_string((*backend)->latest_version()),
             "`recharged migrate` (or the daemons at their next start) applies the pending migrations");
  auto sound = (*backend)->orders().check_orders_table();
  if (!sound || *sound != "ok") {
    out.fail("database", sound ? *sound : sound.error().message, "REINDEX the indexes named", k_exit_storage);
    return false;
  }
  out.ok("database", (*backend)->describe() + ": schema version " + std::to_string(version.value_or(0)) +
                         ", orders indexes usable");
  storage::pg::Nodes nodes(*(*backend)->postgres());
  auto seen = nodes.list(clock.now(), storage::pg::k_node_dead_after);
  if (!seen) {
    out.fail("cluster", seen.error().message, next_for(seen.error()), k_exit_storage);
    return false;
  }
  const int live = storage::pg::live_count(*seen);
  std::string who;
  for (const auto& n : *seen)
    who += (who.empty() ? "" : "; ") + n.id + (n.live ? "" : " (gone)") + ": " + std::to_string(n.leases) + " visit leases";
  out.ok("cluster", std::to_string(live) + " live node(s)" + (who.empty() ? "" : " — " + who));
  return live > 0;
}

// Returns whether a daemon runs on the database now.
bool check_database(const config::Config& cfg, Findings& out) {
  const auto& path = cfg.database.path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    out.fail("database", path.string() + " does not exist",
             "create it with `recharged migrate` as the user the daemon runs as (README, \"Installing and running "
             "it\"); if it was moved, put it back or correct [database] path",
             k_exit_storage);
    return false;
  }
  const AsOwner as_owner(st);
  const std::string user = user_name(::geteuid());
  bool running = false;
  if (auto holder = storage::DaemonLock::holder(path); !holder) {
    out.fail("database", holder.error().message, next_for(holder.error()), k_exit_storage);
    return false;
  } else if (*holder) {
    running = true;
    out.ok("daemon", "a recharged daemon runs on this database (" + **holder + ")");
  } else {
    out.ok("daemon", "no daemon runs on this database now");
  }
  const bool can_write = check_files(path, user, out);
  check_schema_and_pages(cfg, can_write, out);
  return running;
}

void check_listen(const std::string& name, const http::ListenAddress& at, Findings& out) {
  const std::string where = at.host + ":" + std::to_string(at.port);
  http::Server probe;
  auto bound = probe.start(at.host, at.port);
  probe.stop();
  if (bound) return out.ok(name, where + " is free");
  out.fail(name, "cannot listen on " + where + ": " + bound.error().message,
           "stop what holds the port (ss -ltnp 'sport = :" + std::to_string(at.port) + "') or change [" + name +
               "] listen",
           k_exit_address);
}

Findings run_checks(const config::Config& cfg, const Clock& clock) {
  Findings out;
  out.ok("config", "parsed " + cfg.source.string() + " (every section, [schedule] included, as `run` reads it)");
  if (auto secrets = config::load_secrets(cfg); !secrets) {
    out.fail("keys", secrets.error().message, "fix the key file or its permissions named in the message", k_exit_config);
  } else {
    out.ok("keys", "merchant key readable only by its owner, RSA 2048+; APIv3 key 32 bytes; platform keys loaded" +
                       std::string(cfg.merchant.certificate_file ? "; private key matches the certificate and serial_no"
                                                                 : ""));
  }
  auto cal = schedule::SettlementCalendar::load(cfg.calendar.dirs);
  if (!cal) {
    out.fail("calendar", cal.error().message, "restore the shipped calendar files or fix [calendar] dirs",
             k_exit_config);
  } else if (auto gap = cal->first_uncovered(clock.now(), 30)) {
    const auto day = format_utc(TimePoint{std::chrono::sys_days{*gap}}).substr(0, 10);
    out.warn("calendar", "no holiday calendar for " + day + " (within 30 days): until then weekdays count as working days",
             "drop that year's holiday-cn JSON into /etc/recharged/calendar and restart the daemon");
  } else {
    out.ok("calendar", "covers the next 30 days");
  }
  const bool running = cfg.database.postgres() ? check_postgres(cfg, clock, out) : check_database(cfg, out);
  for (const auto& [name, enabled, at] : {std::tuple{std::string("notify"), cfg.notify.enabled, cfg.notify.listen},
                                          std::tuple{std::string("metrics"), cfg.metrics.enabled, cfg.metrics.listen}}) {
    if (!enabled) continue;
    if (running) out.ok(name, at.host + ":" + std::to_string(at.port) + " is served by the running daemon");
    else check_listen(name, at, out);
  }
  if (!cfg.apply.notify_url)
    out.warn("notify", "[apply] notify_url is not set: orders are settled by polling alone",
             "set [apply] notify_url to the HTTPS address of your proxy in front of the notification listener");
  return out;
}

// One signed query per configured host, each on a transport of its own (no failover between them).
void check_online(const config::Config& cfg, const Clock& clock, const std::string& sub_mchid, Findings& out) {
  auto secrets = config::load_secrets(cfg);
  const auto setup = diagnose::LocalSetup::read(cfg, secrets.ok());
  for (const auto& f : diagnose::diagnose_certificates(setup, clock.now())) out.add(f);
  if (!secrets)
    return out.fail("online", "no request can be signed: " + secrets.error().message,
                    "fix the key file named in the message, then run the check again", k_exit_config);
  if (auto valid = wxpay::validate_mchid(sub_mchid, "--sub-mchid"); !valid)
    return out.fail("online", valid.error().message, "pass --sub-mchid with one of your secondary merchants' ids",
                    k_exit_usage);
  std::vector<std::pair<std::string, http::BaseUrl>> hosts{{"primary", cfg.platform.base_url}};
  if (cfg.platform.backup_url) hosts.emplace_back("backup", *cfg.platform.backup_url);
  else out.ok("online", "no [platform] backup_url: a primary host that cannot be reached is not failed over");
  const std::string order = "CHECK" + crypto::random_alnum(27); // never applied for: the platform answers NOT_FOUND
  for (const auto& [name, url] : hosts) {
    http::CurlOptions o;
    o.hosts = {url};
    o.connect_timeout = cfg.platform.connect_timeout;
    o.timeout = cfg.platform.timeout;
    o.proxy = cfg.platform.proxy;
    o.ca_file = cfg.platform.ca_file;
    o.max_response_bytes = cfg.platform.max_response_bytes;
    http::CurlTransport transport(o, clock);
    wxpay::ApiClient api(wxpay::RequestSigner(cfg.merchant.mchid, cfg.merchant.serial_no, secrets->merchant_key),
                         secrets->platform_keys, transport, clock, user_agent());
    auto answer = api.probe_query(sub_mchid, order);
    if (!answer) {
      auto f = diagnose::diagnose_unreachable(setup, answer.error(), name, url.to_string());
      if (name == "backup") { // the primary still works: only the failover is lost
        f.status = diagnose::Status::warn;
        f.message += "; when the primary host fails, there is no failover";
      }
      out.add(f);
      continue;
    }
    const auto facts = diagnose::read_answer(*answer, secrets->platform_keys, clock.now());
    for (const auto& f : diagnose::diagnose_answer(setup, facts, name, clock.now())) out.add(f);
  }
}

void print(const std::vector<Finding>& findings, bool json) {
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& f : findings) {
      nlohmann::json j{{"check", f.check}, {"status", diagnose::to_string(f.status)}, {"message", f.message}};
      if (!f.host.empty()) j["host"] = f.host;
      if (!f.next.empty()) j["next"] = f.next;
      arr.push_back(std::move(j));
    }
    std::cout << arr.dump(2) << "\n";
    return;
  }
  for (const auto& f : findings) {
    std::string pad = f.check + (f.host.empty() ? "" : " (" + f.host + ")");
    pad.resize(std::max<std::size_t>(pad.size() + 1, 10), ' ');
    std::cout << (f.status == diagnose::Status::ok ? "ok    " : f.status == diagnose::Status::warn ? "warn  " : "fail  ") << pad << f.message << "\n";
    if (!f.next.empty()) std::cout << "      " << std::string(10, ' ') << "→ " << f.next << "\n";
  }
}

int check(const GlobalOptions& global, const CheckArgs& args) {
  auto cfg = config::load(global.config_path);
  if (!cfg) {
    print({{"config", diagnose::Status::fail, cfg.error().message, "fix the key named in the message (the example config documents "
                                                   "every key)", {}}},
          global.json);
    return k_exit_config;
  }
  const auto clock = make_clock(cfg->clock);
  Findings findings = run_checks(*cfg, *clock);
  if (args.online) check_online(*cfg, *clock, args.sub_mchid.empty() ? cfg->merchant.mchid : args.sub_mchid, findings);
  print(findings.all, global.json);
  return findings.exit_code;
}

} // namespace

void register_check_command(CLI::App& app, GlobalOptions& global, Action& selected) {
  auto* c = app.add_subcommand("check", "Check what `run` needs: config, key files and permissions, key ⇄ serial, "
                                        "calendar, database (writable, sound, checkpointing), listen addresses");
  auto args = std::make_shared<CheckArgs>();
  c->add_flag("--json", global.json, "Print JSON");
  c->add_flag("--online", args->online,
              "Also send one signed query for a made-up order to the primary and the backup host and diagnose the "
              "answers: signature, mode, headers, clock, network, certificate expiry (no order is created or changed)");
  c->add_option("--sub-mchid", args->sub_mchid,
                "--online: the secondary merchant the query names (default: the platform merchant's own mchid)");
  c->callback([&, args] { selected = [&global, args] { return check(global, *args); }; });
}

} // namespace recharged::cli
