// The shipped units as systemd itself judges them: `systemd-analyze verify` on copies whose ExecStart names the
// binary this build made, and `systemd-analyze security --offline=true` for their exposure level.

#include "tests/support/command.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

// A copy of the shipped unit systemd/<name> in `dir`, with ExecStart's binary rewritten.
fs::path unit_copy(const TempDir& dir, const std::string& name = "recharged.service") {
  std::string unit = slurp(fs::path(RECHARGED_SOURCE_DIR) / "systemd" / name);
  if (name.ends_with(".service")) {
    REQUIRE(unit.find("ExecStart=/usr/bin/recharged ") != std::string::npos);
    unit = std::regex_replace(unit, std::regex("ExecStart=/usr/bin/recharged "),
                              "ExecStart=" + recharged_binary().string() + " ");
  }
  fs::create_directories(dir / "units");
  const fs::path path = dir / "units" / name;
  std::ofstream(path) << unit;
  return path;
}

// systemd-analyze with both output streams captured.
CommandResult analyze(const std::string& args) { return run_command("systemd-analyze " + args + " 2>&1"); }

} // namespace

TEST_CASE("the shipped unit passes systemd-analyze verify once ExecStart names the built binary") {
  REQUIRE_MESSAGE(run_command("command -v systemd-analyze >/dev/null").exit_code == 0,
                  "systemd-analyze is required (Debian: apt-get install systemd)");
  TempDir dir;
  const fs::path unit = unit_copy(dir);
  const auto r = analyze("verify --man=no " + shell_quote(unit.string()));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("recharged.service") == std::string::npos); // nothing to say about our unit

  SUBCASE("and it fails when ExecStart names a binary that does not exist (the check can fail)") {
    std::string broken = slurp(unit);
    broken = std::regex_replace(broken, std::regex("ExecStart=[^ ]+ "), "ExecStart=/nonexistent/recharged ");
    std::ofstream(unit) << broken;
    const auto bad = analyze("verify --man=no " + shell_quote(unit.string()));
    CHECK(bad.exit_code != 0);
    CHECK(bad.output.find("/nonexistent/recharged") != std::string::npos);
  }
}

TEST_CASE("systemd-analyze security rates the shipped unit OK or better (exposure at most 4.9)") {
  REQUIRE(run_command("command -v systemd-analyze >/dev/null").exit_code == 0);
  TempDir dir;
  const fs::path unit = unit_copy(dir);
  const auto r = analyze("security --offline=true --no-pager " + shell_quote(unit.string()));
  std::smatch m;
  const bool rated = std::regex_search(
      r.output, m, std::regex("Overall exposure level for recharged\\.service: ([0-9]+\\.[0-9]) ([A-Z]+)"));
  REQUIRE_MESSAGE(rated, r.output);
  const double exposure = std::stod(m[1].str());
  MESSAGE("systemd-analyze security: exposure " << exposure << " " << m[2].str());
  CHECK_MESSAGE(exposure <= 4.9, r.output);
  CHECK((m[2].str() == "OK" || m[2].str() == "SAFE"));

  SUBCASE("while a unit without the sandboxing is rated worse (the parse reads a real number)") {
    std::ofstream(unit) << "[Unit]\nDescription=bare\n[Service]\nExecStart=" << recharged_binary().string()
                        << " run\n";
    const auto bare = analyze("security --offline=true --no-pager " + shell_quote(unit.string()));
    std::smatch b;
    REQUIRE(std::regex_search(bare.output, b, std::regex("Overall exposure level for recharged\\.service: "
                                                         "([0-9]+\\.[0-9])")));
    CHECK(std::stod(b[1].str()) > 4.9);
  }
}

TEST_CASE("the backup service and its daily timer pass systemd-analyze verify, and the service is rated SAFE") {
  REQUIRE(run_command("command -v systemd-analyze >/dev/null").exit_code == 0);
  TempDir dir;
  const fs::path service = unit_copy(dir, "recharged-backup.service");
  const fs::path timer = unit_copy(dir, "recharged-backup.timer");
  const auto r = analyze("verify --man=no " + shell_quote(service.string()) + " " + shell_quote(timer.string()));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("recharged-backup") == std::string::npos);
  // Daily, caught up after downtime, and only where it is enabled (timers.target), never started by the package.
  const std::string t = slurp(timer);
  CHECK(t.find("\nOnCalendar=daily\n") != std::string::npos);
  CHECK(t.find("\nPersistent=true\n") != std::string::npos);
  CHECK(t.find("\nWantedBy=timers.target\n") != std::string::npos);
  const std::string s = slurp(service);
  CHECK(s.find(" backup /var/backups/recharged --keep ") != std::string::npos);
  CHECK(s.find("[Install]") == std::string::npos); // started by the timer only

  const auto sec = analyze("security --offline=true --no-pager " + shell_quote(service.string()));
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(sec.output, m, std::regex("Overall exposure level for recharged-backup\\.service: "
                                                              "([0-9]+\\.[0-9]) ([A-Z]+)")),
                  sec.output);
  MESSAGE("systemd-analyze security recharged-backup.service: exposure " << m[1].str() << " " << m[2].str());
  CHECK(std::stod(m[1].str()) <= 4.9);

  SUBCASE("and a timer without its schedule is refused (the check can fail)") {
    std::string broken = t;
    broken = std::regex_replace(broken, std::regex("OnCalendar=daily\n"), "");
    std::ofstream(timer) << broken;
    const auto bad = analyze("verify --man=no " + shell_quote(service.string()) + " " + shell_quote(timer.string()));
    CHECK(bad.exit_code != 0);
    CHECK(bad.output.find("lacks value setting") != std::string::npos);
  }
}
