// `cmake --install` as an operator runs it (README, "Installing and running it"): staged with DESTDIR, it lays
// out the binary, the unit and its snippets, the example config and the holiday calendar where a Debian admin
// expects them, and what it installs is what the repository holds.

#include "tests/support/command.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE((v != nullptr && *v != '\0'), name << " is set by ctest");
  return v;
}

} // namespace

TEST_CASE("cmake --install lays out binary, unit, snippets, example config and calendar in the standard places") {
  TempDir stage;
  const auto r = run_command("DESTDIR=" + shell_quote(stage.path().string()) + " " + shell_quote(env("RECHARGED_CMAKE")) +
                             " --install " + shell_quote(env("RECHARGED_BUILD_DIR")) + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path root = stage.path();
  const fs::path source = env("RECHARGED_SOURCE_DIR");

  const fs::path binary = root / "usr/bin/recharged";
  REQUIRE(fs::is_regular_file(binary));
  CHECK((fs::status(binary).permissions() & fs::perms::owner_exec) != fs::perms::none);
  const auto version = run_command(shell_quote(binary.string()) + " --version");
  CHECK(version.exit_code == 0);
  CHECK(version.output.find("recharged") != std::string::npos);

  // Each installed file is the repository's own, byte for byte.
  const std::vector<std::pair<fs::path, fs::path>> files{
      {"usr/lib/systemd/system/recharged.service", "systemd/recharged.service"},
      {"usr/lib/systemd/system/recharged-backup.service", "systemd/recharged-backup.service"},
      {"usr/lib/systemd/system/recharged-backup.timer", "systemd/recharged-backup.timer"},
      {"usr/lib/sysusers.d/recharged.conf", "systemd/recharged.sysusers.conf"},
      {"usr/lib/tmpfiles.d/recharged.conf", "systemd/recharged.tmpfiles.conf"},
      {"etc/logrotate.d/recharged", "systemd/recharged.logrotate"},
      {"etc/recharged/recharged.toml.example", "etc/recharged.toml.example"},
      {"usr/share/man/man8/recharged.8", "man/recharged.8"},
      {"usr/share/man/man5/recharged.toml.5", "man/recharged.toml.5"},
  };
  for (const auto& [installed, original] : files) {
    CAPTURE(installed);
    REQUIRE(fs::is_regular_file(root / installed));
    CHECK(slurp(root / installed) == slurp(source / original));
  }
  // The unit starts the binary where it was installed.
  CHECK(slurp(root / "usr/lib/systemd/system/recharged.service").find("ExecStart=/usr/bin/recharged ") !=
        std::string::npos);

  // Every year of the shipped calendar, where the daemon looks for it (/usr/share/recharged/calendar).
  std::size_t years = 0;
  for (const auto& entry : fs::directory_iterator(source / "data/calendar")) {
    if (entry.path().extension() != ".json") continue;
    ++years;
    const fs::path installed = root / "usr/share/recharged/calendar" / entry.path().filename();
    CAPTURE(installed);
    REQUIRE(fs::is_regular_file(installed));
    CHECK(slurp(installed) == slurp(entry.path()));
  }
  CHECK(years >= 3);
}
