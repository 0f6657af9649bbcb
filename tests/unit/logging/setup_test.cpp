// The process's log output: the line format, levels, and the file sink that logrotate moves away and SIGHUP
// reopens — the daemon's log must follow the path, never the moved file.

#include "logging/setup.hpp"

#include "logging/event_line.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <spdlog/logger.h>

#include <regex>
#include <sys/stat.h>

using namespace recharged;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<logging::Logging> file_logging(const fs::path& file, const std::string& level = "info") {
  logging::LogOptions o;
  o.to_file = true;
  o.file = file;
  o.level = level;
  auto l = logging::Logging::create(o);
  REQUIRE(l.ok());
  return *l;
}

} // namespace

TEST_CASE("a file log line is: local time with milliseconds and offset, level, module, event line") {
  test::TempDir dir;
  auto logs = file_logging(dir / "recharged.log");
  logs->get("daemon")->info(logging::EventLine("daemon_started").kv("version", "0.1.0").str());
  const std::string text = test::slurp(dir / "recharged.log");
  CHECK(std::regex_match(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:?\d\d info daemon )"
                                          R"(event=daemon_started version=0\.1\.0\n)")));
}

TEST_CASE("the log file is created without access for others") {
  test::TempDir dir;
  auto logs = file_logging(dir / "recharged.log");
  logs->get("api")->info("event=x");
  const auto perms = fs::status(dir / "recharged.log").permissions();
  CHECK((perms & fs::perms::others_all) == fs::perms::none);
  CHECK((perms & (fs::perms::group_write | fs::perms::group_exec)) == fs::perms::none);
}

TEST_CASE("after the file is moved away, reopen() sends new lines to a fresh file at the same path") {
  test::TempDir dir;
  const fs::path log = dir / "recharged.log";
  const fs::path rotated = dir / "recharged.log.1";
  auto logs = file_logging(log);
  auto daemon = logs->get("daemon");
  daemon->info("event=before");
  fs::rename(log, rotated); // what logrotate does
  daemon->info("event=moved_but_not_reopened");
  REQUIRE(logs->reopen().ok());
  daemon->info("event=after");
  logs->get("api")->info("event=after_other_module"); // every module shares the one sink

  const std::string old_text = test::slurp(rotated);
  const std::string fresh = test::slurp(log);
  CHECK(old_text.find("event=before") != std::string::npos);
  CHECK(old_text.find("event=moved_but_not_reopened") != std::string::npos);
  CHECK(old_text.find("event=after") == std::string::npos);
  CHECK(fresh.find("event=after\n") != std::string::npos);
  CHECK(fresh.find("event=after_other_module") != std::string::npos);
  CHECK(fresh.find("event=before") == std::string::npos);
}

TEST_CASE("a reopen that fails names log.file and keeps writing to the file it has") {
  test::TempDir dir;
  fs::create_directories(dir / "logs");
  const fs::path log = dir / "logs" / "recharged.log";
  auto logs = file_logging(log);
  fs::rename(dir / "logs", dir / "gone"); // the directory itself went away
  const auto reopened = logs->reopen();
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.error().field == "log.file");
  CHECK(reopened.error().message.find(log.string()) != std::string::npos);
  logs->get("daemon")->info("event=still_logging");
  CHECK(test::slurp(dir / "gone" / "recharged.log").find("event=still_logging") != std::string::npos);
}

TEST_CASE("levels filter lines, can change at run time, and an unknown one is refused naming log.level") {
  test::TempDir dir;
  auto logs = file_logging(dir / "recharged.log");
  auto sched = logs->get("sched");
  sched->debug("event=hidden");
  REQUIRE(logs->set_level("debug").ok());
  sched->debug("event=shown");
  logs->get("later")->debug("event=new_module_shown"); // modules created later get the current level
  const std::string text = test::slurp(dir / "recharged.log");
  CHECK(text.find("event=hidden") == std::string::npos);
  CHECK(text.find("debug sched event=shown") != std::string::npos);
  CHECK(text.find("event=new_module_shown") != std::string::npos);

  const auto bad = logs->set_level("loud");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().field == "log.level");
  logging::LogOptions o;
  o.level = "verbose";
  const auto refused = logging::Logging::create(o);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().field == "log.level");
}

TEST_CASE("a log file that cannot be opened is refused at start, naming log.file") {
  test::TempDir dir;
  logging::LogOptions o;
  o.to_file = true;
  o.file = dir / "missing" / "recharged.log";
  const auto r = logging::Logging::create(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "log.file");
}
