// The systemd unit keeps its `systemd-analyze security` rating (README: 1.2 OK) and the settings that earn it.
// tests/integration/systemd_unit_test.cpp checks the unit is valid and rated OK (≤ 4.9); this pins the exact
// rating, so a change that loosens the sandboxing without anyone noticing fails here.

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

constexpr double k_documented_exposure = 1.2;

std::string shipped_unit() { return slurp(fs::path(RECHARGED_SOURCE_DIR) / "systemd/recharged.service"); }

// systemd-analyze's overall exposure for `unit` written into `dir`, or a negative number when it printed none.
double exposure(const TempDir& dir, const std::string& unit, std::string& output) {
  fs::create_directories(dir / "units");
  const fs::path path = dir / "units" / "recharged.service";
  std::ofstream(path) << std::regex_replace(unit, std::regex("ExecStart=/usr/bin/recharged "),
                                            "ExecStart=" + recharged_binary().string() + " ");
  output = run_command("systemd-analyze security --offline=true --no-pager " + shell_quote(path.string()) + " 2>&1").output;
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("Overall exposure level for recharged\\.service: ([0-9]+\\.[0-9])")))
    return -1;
  return std::stod(m[1].str());
}

} // namespace

TEST_CASE("systemd-analyze security still rates the shipped unit at its documented exposure or better") {
  REQUIRE_MESSAGE(run_command("command -v systemd-analyze >/dev/null").exit_code == 0,
                  "systemd-analyze is required (Debian: apt-get install systemd)");
  TempDir dir;
  std::string output;
  const double level = exposure(dir, shipped_unit(), output);
  MESSAGE("systemd-analyze security: exposure " << level);
  INFO(output);
  REQUIRE(level >= 0);
  CHECK(level <= k_documented_exposure);

  SUBCASE("and dropping any one of its key protections would show in that number") {
    for (const char* setting : {"NoNewPrivileges=yes", "CapabilityBoundingSet=", "PrivateUsers=yes",
                                "ProtectSystem=strict", "SystemCallFilter=@system-service", "RestrictNamespaces=yes",
                                "MemoryDenyWriteExecute=yes", "PrivateDevices=yes"}) {
      std::string unit = shipped_unit();
      const auto at = unit.find(std::string(setting) + "\n");
      REQUIRE_MESSAGE(at != std::string::npos, setting);
      unit.erase(at, std::string(setting).size() + 1);
      TempDir loosened;
      std::string out;
      CHECK_MESSAGE(exposure(loosened, unit, out) > level, "without " << setting);
    }
  }
}

TEST_CASE("the unit hands the keys over as credentials and creates files for its own user only") {
  const std::string unit = shipped_unit();
  CHECK(unit.find("LoadCredential=apiclient_key.pem:") != std::string::npos);
  CHECK(unit.find("LoadCredential=apiv3.key:") != std::string::npos);
  CHECK(unit.find("UMask=0077") != std::string::npos);
  CHECK(unit.find("StateDirectoryMode=0700") != std::string::npos);
  CHECK(unit.find("User=recharged") != std::string::npos);
}
