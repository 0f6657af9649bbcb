// Secrets: the merchant private key and the APIv3 key never appear in anything recharged writes —
// logs at trace level, every command's output and errors (--json included), /metrics and /healthz, the database
// file — through a full workload with faults, and through the error paths that are about those very files.
// And a private key or APIv3 key file that group or others can read is refused, naming the file and the fix.

#include "tests/reliability/reliability_rig.hpp"

#include "crypto/base64.hpp"
#include "tests/support/port_relay.hpp"

#include <doctest/doctest.h>

#include <signal.h>


using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

// Every 40-character window (step 16) of a PEM's Base64 body, plus the PEM label: any leak of the key, or a
// large part of it, contains one of them.
std::vector<std::string> pem_needles(const std::string& pem) {
  std::string body;
  std::size_t pos = 0;
  while (pos < pem.size()) {
    const std::size_t eol = pem.find('\n', pos);
    const std::string line = pem.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.rfind("-----", 0) != 0) body += line;
    pos = eol == std::string::npos ? pem.size() : eol + 1;
  }
  std::vector<std::string> out{"PRIVATE KEY"};
  for (std::size_t i = 0; i + 40 <= body.size(); i += 16) out.push_back(body.substr(i, 40));
  return out;
}

std::vector<std::string> secret_needles(const sandbox::SandboxState& state) {
  std::vector<std::string> out = pem_needles(slurp(state.file(sandbox::k_merchant_key_file)));
  const std::string& v3 = state.platform.apiv3_key;
  out.push_back(v3);
  out.push_back(crypto::base64_encode(v3));
  out.push_back(v3.substr(0, 16)); // half the key is already too much
  out.push_back(v3.substr(16));
  return out;
}

struct Haystack {
  std::vector<std::pair<std::string, std::string>> texts; // (where, what)
  void add(std::string where, std::string what) { texts.emplace_back(std::move(where), std::move(what)); }
  void add(const std::string& where, const RunResult& r) {
    add(where + " stdout", r.out);
    add(where + " stderr", r.err);
  }
};

std::vector<std::string> leaks(const Haystack& hay, const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& [where, text] : hay.texts)
    for (const auto& n : needles)
      if (text.find(n) != std::string::npos) found.push_back(where + " contains '" + n.substr(0, 12) + "…'");
  return found;
}

RigOptions options(const PortRelay& notify_relay) {
  RigOptions o;
  o.speed = 600;
  o.sandbox.payers = sandbox::Payers::simulated;
  o.sandbox.seed = 5;
  o.sandbox.notifier.notify_target = notify_relay.url();
  o.sandbox.faults.bad_signature = 0.1;
  o.sandbox.faults.probe_signature = 0.05;
  o.sandbox.faults.server_error = 0.05;
  o.sandbox.faults.notify_bad_signature = 0.2;
  return o;
}

// A config variant whose merchant key or APIv3 key file is `file` (written with `content` and `mode`).
fs::path variant(Rig& rig, const std::string& name, const std::string& key, const std::string& file,
                 const std::string& content, fs::perms mode) {
  const fs::path path = rig.dir().write(file, content, mode);
  const std::string text = set_toml(rig.render(), "merchant", key, "\"" + path.string() + "\"");
  return rig.dir().write(name, text);
}

RunResult with_config(Rig& rig, const fs::path& config, std::vector<std::string> args) {
  ProcessOptions o;
  o.args = {"-c", config.string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RECHARGED_CONFIG", "CREDENTIALS_DIRECTORY"};
  o.cwd = rig.dir().path();
  return run_process(recharged_binary(), std::move(o), Millis{30'000});
}

} // namespace

TEST_CASE("key material never appears in logs, outputs, errors, metrics or the database") {
  // The daemon binds its listeners on port 0; the sandbox reaches the notify one through a relay.
  std::unique_ptr<Rig> owner;
  PortRelay relay([&] { return owner ? last_listening_port(owner->daemon_log_text(), "notify") : 0; });
  owner = std::make_unique<Rig>(options(relay));
  Rig& rig = *owner;
  RigConfig& c = rig.config();
  c.notify_enabled = true;
  c.notify_port = 0;
  c.metrics_enabled = true;
  c.metrics_port = 0;
  c.log_level = "trace";
  c.schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  (void)rig.write_config();
  const auto& state = rig.sandbox().state();
  std::vector<std::string> needles = secret_needles(state);
  Haystack hay;

  for (int i = 0; i < 6; ++i) {
    const std::string no = order_number("SECRET", static_cast<std::size_t>(i));
    std::vector<std::string> args{"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "88.00", "--out-recharge-no", no};
    if (i % 2 == 0) args.push_back("--json");
    args.insert(args.begin(), "-v");
    hay.add("apply " + no, rig.cli(args));
  }
  const std::string one = order_number("SECRET", 0);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-v", "show", one, "--json"}, {"-v", "list", "--json"}, {"-v", "sync", one, "--json"},
           {"-v", "close", order_number("SECRET", 1), "--json"}, {"check", "--json"}, {"check"},
           {"schedule", "explain", one, "--json"}, {"migrate"}, {"--help"}, {"apply", "--help"}})
    hay.add("recharged " + args.front(), rig.cli(args));

  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));
  const int metrics_port = listening_port(rig.daemon_log_text(), "metrics");
  REQUIRE(metrics_port > 0);
  REQUIRE(rig.wait_for_log("event=api_call", Millis{60'000})); // the daemon is at work before the reload
  daemon->send(SIGHUP);
  REQUIRE(rig.wait_for_log("event=config_reloaded", Millis{30'000}));
  // The whole workload after it: payments, notifications, and stale orders closed an hour (6 s) after apply.
  const bool settled = eventually([&] {
    for (const auto& o : rig.orders())
      if (orders::is_open(o.state)) return false;
    return true;
  }, Millis{300'000}, Millis{200});
  REQUIRE_MESSAGE(settled, rig.daemon_log_text().substr(0, 4000));
  hay.add("/metrics", http_get(metrics_port, "/metrics").body);
  hay.add("/healthz", http_get(metrics_port, "/healthz").body);
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{30'000}));

  SUBCASE("including the errors about the key files themselves") {
    const std::string bad_v3 = "LEAKCANARYapiv3" + std::string(30, 'Q');
    const std::string bad_pem = "-----BEGIN PRIVATE KEY-----\nLEAKCANARYpemBODYbm90IGEga2V5IGF0IGFsbA==\n"
                                "-----END PRIVATE KEY-----\n";
    const std::string stranger = crypto::PrivateKey::generate(2048).to_pem(); // a valid key of someone else's
    const auto private_mode = fs::perms::owner_read | fs::perms::owner_write;
    const auto v3_config = variant(rig, "bad-v3.toml", "apiv3_key_file", "bad-v3.key", bad_v3, private_mode);
    const auto pem_config = variant(rig, "bad-pem.toml", "private_key_file", "bad.pem", bad_pem, private_mode);
    const auto other_config = variant(rig, "other.toml", "private_key_file", "other.pem", stranger, private_mode);
    for (const auto& [config, what] : {std::pair{v3_config, "a 45-byte APIv3 key"}, std::pair{pem_config, "a broken PEM"},
                                       std::pair{other_config, "a key for another certificate"}}) {
      for (const std::string command : {"check", "run", "apply"}) {
        std::vector<std::string> args{command};
        if (command == "apply") args = {"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "1.00"};
        const auto r = with_config(rig, config, args);
        INFO(what, " / ", command, ": ", r.err);
        CHECK(r.status.exited(3));
        hay.add(std::string(what) + " " + command, r);
      }
    }
    needles.push_back("LEAKCANARY");
    for (auto& n : pem_needles(stranger)) needles.push_back(std::move(n));
  }

  hay.add("daemon log", rig.daemon_log_text());
  for (const char* suffix : {"", "-wal", "-shm"}) hay.add("database" + std::string(suffix), slurp(rig.database_path().string() + suffix));
  Haystack control;
  control.add("the key files themselves", slurp(state.file(sandbox::k_merchant_key_file)) + slurp(state.file(sandbox::k_apiv3_key_file)));
  CHECK(leaks(control, needles).size() >= 3); // the scan does find key material where it is
  const auto found = leaks(hay, needles);
  CHECK_MESSAGE(found.empty(), found.size() << " leak(s), first: " << (found.empty() ? "" : found.front()));
  CHECK(rig.daemon_log_text().find("event=api_call") != std::string::npos); // the log did record the traffic
}

TEST_CASE("a private key or APIv3 key file readable by group or others is refused, naming the file and the fix") {
  Rig rig;
  rig.write_config(); // the database the variants name exists: the key is what they get wrong
  const auto& state = rig.sandbox().state();
  const std::string pem = slurp(state.file(sandbox::k_merchant_key_file));
  const std::string v3 = slurp(state.file(sandbox::k_apiv3_key_file));
  for (const auto& [key, content] : {std::pair{std::string("private_key_file"), pem}, std::pair{std::string("apiv3_key_file"), v3}}) {
    for (const auto mode : {fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                            fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read}) {
      const fs::path config = variant(rig, "open-" + key + ".toml", key, "open-" + key, content, mode);
      const fs::path file = rig.dir() / ("open-" + key);
      for (const std::string command : {"run", "check", "apply"}) {
        std::vector<std::string> args{command};
        if (command == "apply") args = {"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "1.00",
                                        "--out-recharge-no", "PERMS0001"};
        const auto r = with_config(rig, config, args);
        const std::string said = r.out + r.err; // `check` reports on stdout, the others on stderr
        INFO(key, " ", command, ": ", said);
        CHECK(r.status.exited(3));
        CHECK(said.find(file.string()) != std::string::npos);
        CHECK(said.find("chmod 600") != std::string::npos);
        const std::string sample = key == "apiv3_key_file" ? content.substr(0, 20) : content.substr(40, 40);
        CHECK(said.find(sample) == std::string::npos);
      }
      CHECK_FALSE(rig.platform().truth("PERMS0001").has_value()); // nothing was sent
      fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
      const auto fixed = with_config(rig, config, {"check"});
      INFO(fixed.err);
      CHECK(fixed.status.exited(0));
    }
  }
}
