#include "tests/integration/rig.hpp"

#include "http/curl_transport.hpp"
#include "storage/backend.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"

#include <cstdio>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace recharged::test {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string listen(int port) { return quoted("127.0.0.1:" + std::to_string(port)); }

std::unique_ptr<storage::Database> open_read_only(const fs::path& path) {
  storage::DatabaseOptions o;
  o.path = path;
  o.read_only = true;
  o.busy_timeout = Millis{5'000};
  auto db = storage::Database::open(o, storage::MigrationMode::require_current);
  if (!db) throw std::runtime_error("cannot open " + path.string() + ": " + db.error().message);
  return std::move(*db);
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

HttpAnswer exchange(int port, http::Request request) {
  ManualClock clock(TimePoint{});
  http::CurlOptions o;
  o.hosts.push_back(http::BaseUrl{"http", "127.0.0.1", port});
  o.connect_timeout = Millis{2'000};
  o.timeout = Millis{10'000};
  http::CurlTransport transport(o, clock);
  auto r = transport.send(request);
  if (!r) return HttpAnswer{0, "", r.error().message};
  return HttpAnswer{r->status, r->body, ""};
}

} // namespace

TimePoint monday_morning() { return parse_rfc3339("2026-11-23T10:00:00+08:00").value(); }

SharedClock::SharedClock(double speed, TimePoint virtual_start) {
  if (speed == 1) {
    clock = std::make_unique<SystemClock>();
    return;
  }
  const TimePoint real = std::chrono::floor<std::chrono::seconds>(SystemClock{}.now());
  const TimePoint virt = std::chrono::floor<std::chrono::seconds>(virtual_start);
  clock = std::make_unique<ScaledClock>(virt, real, speed);
  section = sandbox::ClockSection{speed, virt, real};
}

Rig::Rig(RigOptions options)
    : options_(std::move(options)), shared_(options_.speed, options_.start),
      sandbox_(std::make_unique<SandboxFixture>(*shared_.clock, options_.sandbox)) {
  config_.database = dir_ / "recharged.db";
  config_.log_file = dir_ / "recharged.log";
}

RigOptions paying_rig(std::uint64_t seed, std::string_view mix) {
  RigOptions o;
  o.speed = 300;
  o.sandbox.payers = sandbox::Payers::simulated;
  o.sandbox.seed = seed;
  auto parsed = sandbox::parse_payer_mix(mix);
  if (!parsed) throw std::runtime_error("bad payer mix '" + std::string(mix) + "': " + parsed.error().message);
  o.sandbox.payer_mix = *parsed;
  return o;
}

fs::path Rig::database_path() const { return config_.database; }

std::string Rig::render() const {
  const sandbox::SandboxState& s = sandbox_->state();
  const RigConfig& c = config_;
  std::ostringstream t;
  t << "[merchant]\nmchid = " << quoted(c.mchid.empty() ? s.platform.sp_mchid : c.mchid) << "\n"
    << "serial_no = " << quoted(c.serial_no.empty() ? sandbox_->serial_no() : c.serial_no) << "\n"
    << "private_key_file = "
    << quoted((c.private_key_file.empty() ? s.file(sandbox::k_merchant_key_file) : c.private_key_file).string()) << "\n";
  if (c.merchant_certificate)
    t << "certificate_file = "
      << quoted((c.certificate_file.empty() ? s.file(sandbox::k_merchant_cert_file) : c.certificate_file).string()) << "\n";
  t << "apiv3_key_file = " << quoted(s.file(sandbox::k_apiv3_key_file).string()) << "\n\n";
  t << "[platform]\nbase_url = " << quoted(sandbox_->base_url())
    << "\nbackup_url = " << quoted(c.backup_url ? sandbox_->sandbox().backup_url() : std::string()) << "\n";
  if (c.public_key)
    t << "public_key_id = " << quoted(s.platform.public_key_id) << "\n"
      << "public_key_file = " << quoted(s.file(sandbox::k_platform_public_key_file).string()) << "\n";
  if (!c.platform_certificates.empty()) {
    t << "certificate_files = [";
    for (std::size_t i = 0; i < c.platform_certificates.size(); ++i)
      t << (i == 0 ? "" : ", ") << quoted(c.platform_certificates[i].string());
    t << "]\n";
  }
  t << "connect_timeout = " << quoted(c.connect_timeout) << "\ntimeout = " << quoted(c.timeout) << "\n\n";
  if (c.database_url.empty())
    t << "[database]\npath = " << quoted(c.database.string()) << "\nbusy_timeout = " << quoted(c.busy_timeout) << "\n\n";
  else
    t << "[database]\nurl = " << quoted(c.database_url) << "\n\n";
  t << "[apply]\nnotify_url = " << quoted(c.apply_notify_url) << "\n\n";
  t << "[notify]\nenabled = " << (c.notify_enabled ? "true" : "false") << "\nlisten = " << listen(c.notify_port)
    << "\npath = " << quoted(c.notify_path) << "\n\n";
  t << "[metrics]\nenabled = " << (c.metrics_enabled ? "true" : "false") << "\nlisten = " << listen(c.metrics_port)
    << "\n\n";
  t << "[log]\ntarget = " << quoted(c.log_target) << "\nfile = " << quoted(c.log_file.string())
    << "\nlevel = " << quoted(c.log_level) << "\n\n";
  t << "[limits]\nconcurrency = " << c.concurrency << "\nquery_rate = " << number(c.query_rate)
    << "\napply_rate = " << number(c.query_rate) << "\nclose_rate = " << number(c.query_rate) << "\nburst = 50\n\n";
  std::vector<fs::path> dirs = c.calendar_dirs;
  if (dirs.empty()) dirs.push_back(fs::path(RECHARGED_SOURCE_DIR) / "data/calendar");
  t << "[calendar]\ndirs = [";
  for (std::size_t i = 0; i < dirs.size(); ++i) t << (i == 0 ? "" : ", ") << quoted(dirs[i].string());
  t << "]\n\n";
  if (shared_.section) {
    t << "[clock]\nspeed = " << number(shared_.section->speed) << "\n"
      << "virtual_origin = " << quoted(format_rfc3339(shared_.section->virtual_origin, std::chrono::minutes{0})) << "\n"
      << "real_origin = " << quoted(format_rfc3339(shared_.section->real_origin, std::chrono::minutes{0})) << "\n\n";
  }
  t << "[schedule]\n";
  for (const auto& [k, v] : c.schedule) t << k << " = " << quoted(v) << "\n";
  t << "\n" << c.extra_toml;
  return t.str();
}

fs::path Rig::write_config(const std::string& name) {
  config_path_ = dir_.write(name, render());
  if (config_.create_database && (!config_.database_url.empty() || !fs::exists(database_path()))) {
    const auto created = cli({"migrate"});
    if (!created.status.exited(0))
      throw std::runtime_error("recharged migrate failed (" + to_string(created.status) + "): " + created.err + created.out);
  }
  return config_path_;
}

RunResult Rig::cli(std::vector<std::string> args, Millis timeout) {
  if (config_path_.empty()) write_config();
  ProcessOptions o;
  o.args = {"-c", config_path_.string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RECHARGED_CONFIG", "CREDENTIALS_DIRECTORY"};
  o.cwd = dir_.path();
  return run_process(recharged_binary(), std::move(o), timeout);
}

std::unique_ptr<Process> Rig::start_daemon(std::vector<std::pair<std::string, std::string>> env,
                                           WatchdogPid watchdog) {
  if (config_path_.empty()) write_config();
  ProcessOptions o;
  o.args = {"-c", config_path_.string(), "run"};
  o.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RECHARGED_CONFIG", "CREDENTIALS_DIRECTORY"};
  o.env = std::move(env);
  o.watchdog_pid_self = watchdog == WatchdogPid::self;
  o.cwd = dir_.path();
  o.stderr_file = daemon_log();
  o.stdout_file = dir_ / "daemon.out";
  return std::make_unique<Process>(recharged_binary(), std::move(o));
}

bool Rig::wait_for_log(const std::string& needle, Millis timeout, std::size_t from) const {
  return eventually(
      [&] {
        const std::string log = daemon_log_text();
        return log.size() > from && log.find(needle, from) != std::string::npos;
      },
      timeout, Millis{50});
}

template <class F>
auto Rig::read_store(F&& read) const {
  if (!config_.database_url.empty()) {
    storage::BackendOptions o;
    o.url = config_.database_url;
    auto backend = storage::Backend::open(o, storage::MigrationMode::require_current);
    if (!backend) throw std::runtime_error("cannot open " + config_.database_url + ": " + backend.error().message);
    return read((*backend)->orders());
  }
  auto db = open_read_only(database_path());
  storage::SqliteOrderStore store(*db);
  return read(store);
}

std::optional<orders::Order> Rig::order(const std::string& no) const {
  return read_store([&](storage::OrderStore& store) { return must(store.find(no), "find"); });
}

std::vector<orders::Order> Rig::orders() const {
  return read_store([&](storage::OrderStore& store) {
    storage::ListFilter f;
    f.limit = 100000;
    return must(store.list(f), "list").orders;
  });
}

std::vector<orders::OrderEvent> Rig::events(const std::string& no) const {
  return read_store([&](storage::OrderStore& store) {
    auto found = must(store.find(no), "find");
    if (!found) throw std::runtime_error("no order " + no + " in the database");
    return must(store.events(found->id), "events");
  });
}

std::vector<storage::NotificationRecord> Rig::notifications(const std::string& no) const {
  return read_store([&](storage::OrderStore& store) { return must(store.notifications(no), "notifications"); });
}

sandbox::OrderTruth Rig::truth(const std::string& no) const {
  auto t = sandbox_->platform().truth(no);
  if (!t) throw std::runtime_error("the sandbox does not know " + no);
  return *t;
}

HttpAnswer http_get(int port, const std::string& target) {
  http::Request r;
  r.method = http::Method::get;
  r.target = target;
  return exchange(port, std::move(r));
}

HttpAnswer http_post(int port, const std::string& target, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  http::Request r;
  r.method = http::Method::post;
  r.target = target;
  r.body = body;
  r.headers.set("Content-Type", "application/json");
  for (const auto& [k, v] : headers) r.headers.set(k, v);
  return exchange(port, std::move(r));
}

std::optional<double> metric(const std::string& exposition, const std::string& sample) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 && line[sample.size()] == ' ')
      return std::stod(line.substr(sample.size() + 1));
  }
  return std::nullopt;
}

int listening_port(const std::string& log, const std::string& key) {
  const std::regex re("event=listening.*\\b" + key + "=127\\.0\\.0\\.1:([0-9]+)");
  std::smatch m;
  if (!std::regex_search(log, m, re)) return 0;
  return std::stoi(m[1].str());
}

} // namespace recharged::test
