// The manual pages cannot drift from what they describe: recharged(8) names every subcommand and option the
// built binary's --help lists and every exit code of cli/exit_codes.hpp; recharged.toml(5) lists every section
// and key of etc/recharged.toml.example with the example's value, and nothing else; groff and man-db render
// both without a warning.

#include "tests/support/command.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

fs::path source(const std::string& relative) { return fs::path(RECHARGED_SOURCE_DIR) / relative; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string help(const std::string& args) {
  const auto r = run_command(shell_quote(recharged_binary().string()) + " " + args + " --help");
  REQUIRE_MESSAGE(r.exit_code == 0, args);
  return r.output;
}

// The names under "Subcommands:" in a CLI11 help text.
std::vector<std::string> subcommands(const std::string& text) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& l : lines_of(text)) {
    if (l == "Subcommands:") in = true;
    else if (in && l.starts_with("  ") && l.size() > 2 && l[2] != ' ') out.push_back(l.substr(2, l.find(' ', 2) - 2));
    else if (in && !l.empty() && !l.starts_with(" ")) in = false;
  }
  return out;
}

// The long options ("--name") a CLI11 help text lists, --help itself left out.
std::vector<std::string> long_options(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex option("^  (?:-[a-zA-Z],)?(--[a-z0-9-]+)");
  for (const auto& l : lines_of(text)) {
    std::smatch m;
    if (std::regex_search(l, m, option) && m[1] != "--help") out.push_back(m[1]);
  }
  return out;
}

// "--out-recharge-no" as roff writes it: \-\-out\-recharge\-no.
std::string roff(const std::string& text) { return std::regex_replace(text, std::regex("-"), "\\-"); }

// The part of a man page from the .SS (or .SH) line starting with `heading` to the next .SS/.SH ("": none).
std::string section(const std::string& page, const std::string& heading) {
  const auto start = page.find("\n" + heading);
  if (start == std::string::npos) return {};
  const auto next = page.find("\n.S", start + 1 + heading.size());
  return page.substr(start, next == std::string::npos ? std::string::npos : next - start);
}

using Keys = std::map<std::string, std::map<std::string, std::string>>; // section -> key -> value

// Sections and keys of etc/recharged.toml.example, the commented-out ones included.
Keys example_keys() {
  Keys out;
  static const std::regex header(R"(^#?\s?(\[\[?[a-z]+\]\]?)\s*$)");
  static const std::regex key(R"(^#?\s?([a-z0-9_]+) = (.*?)(\s+#\s.*)?$)");
  std::string current;
  for (const auto& l : lines_of(slurp(source("etc/recharged.toml.example")))) {
    std::smatch m;
    if (std::regex_match(l, m, header)) current = m[1], out[current];
    else if (!current.empty() && std::regex_match(l, m, key)) out[current][m[1]] = m[2];
  }
  return out;
}

// Sections (.SS "[name]") and keys (\fBkey\fR = value) of recharged.toml(5).
Keys manpage_keys() {
  Keys out;
  static const std::regex header(R"re(^\.SS "(\[\[?[a-z]+\]\]?)"$)re");
  static const std::regex key(R"(^\\fB([a-z0-9_]+)\\fR = (.*)$)");
  std::string current;
  for (const auto& l : lines_of(slurp(source("man/recharged.toml.5")))) {
    std::smatch m;
    if (std::regex_match(l, m, header)) current = m[1], out[current];
    else if (std::regex_match(l, m, key)) out[current][m[1]] = std::regex_replace(m[2].str(), std::regex(R"(\\e)"), "\\");
  }
  return out;
}

} // namespace

TEST_CASE("recharged(8) documents every subcommand and option that --help lists") {
  const std::string page = slurp(source("man/recharged.8"));
  const std::string top = help("");
  const auto commands = subcommands(top);
  CHECK(commands.size() >= 11); // the parse finds them
  for (const auto& option : long_options(top)) {
    CAPTURE(option);
    CHECK(section(page, ".SH GLOBAL OPTIONS").find("\\fB" + roff(option) + "\\fR") != std::string::npos);
  }
  std::size_t options = 0;
  for (const auto& command : commands) {
    const std::string text = help(command);
    std::vector<std::string> paths;
    if (const auto nested = subcommands(text); nested.empty()) paths.push_back(command);
    else
      for (const auto& n : nested) paths.push_back(command + " " + n);
    for (const auto& path : paths) {
      CAPTURE(path);
      const std::string part = section(page, ".SS \"" + roff(path));
      REQUIRE_FALSE(part.empty());
      for (const auto& option : long_options(path == command ? text : help(path))) {
        CAPTURE(option);
        CHECK(part.find("\\fB" + roff(option) + "\\fR") != std::string::npos);
        ++options;
      }
    }
  }
  CHECK(options >= 40);

  CHECK(section(page, ".SS \"no-such-command").empty()); // a missing subcommand is noticed
}

TEST_CASE("recharged(8) and --help give every exit code of cli/exit_codes.hpp, and no other") {
  std::set<int> codes;
  static const std::regex code(R"(k_exit_[a-z_]+ = ([0-9]+),)");
  const std::string header = slurp(source("cli/exit_codes.hpp"));
  for (std::sregex_iterator it(header.begin(), header.end(), code), end; it != end; ++it) codes.insert(std::stoi((*it)[1]));
  CHECK(codes.size() >= 12);

  const std::string exit_status = section(slurp(source("man/recharged.8")), ".SH EXIT STATUS");
  REQUIRE_FALSE(exit_status.empty());
  std::set<int> documented;
  static const std::regex item(R"(\n\.TP\n\.B ([0-9]+)\n)");
  for (std::sregex_iterator it(exit_status.begin(), exit_status.end(), item), end; it != end; ++it)
    documented.insert(std::stoi((*it)[1]));
  CHECK(documented == codes);

  const std::string top = help("");
  for (int c : codes) {
    CAPTURE(c);
    CHECK(std::regex_search(top, std::regex("[\\s,]" + std::to_string(c) + " [a-z]")));
  }
}

TEST_CASE("recharged.toml(5) lists every section and key of the example config with its value, and nothing else") {
  const Keys example = example_keys();
  const Keys page = manpage_keys();
  std::size_t keys = 0;
  for (const auto& [name, entries] : example) keys += entries.size();
  CHECK(example.size() >= 13);
  CHECK(keys >= 80);
  for (const auto& [name, entries] : example) {
    CAPTURE(name);
    REQUIRE(page.count(name) == 1);
    for (const auto& [key, value] : entries) {
      CAPTURE(key);
      REQUIRE(page.at(name).count(key) == 1);
      CHECK(page.at(name).at(key) == value);
    }
  }
  for (const auto& [name, entries] : page) {
    CAPTURE(name);
    REQUIRE(example.count(name) == 1);
    for (const auto& [key, value] : entries) CHECK_MESSAGE(example.at(name).count(key) == 1, key);
  }
}

TEST_CASE("groff and man render both pages without a warning") {
  REQUIRE_MESSAGE(run_command("command -v groff >/dev/null && command -v man >/dev/null").exit_code == 0,
                  "groff and man are required (Debian: apt-get install groff-base man-db)");
  for (const char* page : {"man/recharged.8", "man/recharged.toml.5"}) {
    CAPTURE(page);
    const std::string path = shell_quote(source(page).string());
    const auto groff = run_command("groff -man -ww -z " + path + " 2>&1");
    CHECK(groff.exit_code == 0);
    CHECK(groff.output.empty());
    const auto man = run_command("LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l " + path + " 2>&1 >/dev/null");
    CHECK(man.exit_code == 0);
    CHECK(man.output.empty());
  }
  SUBCASE("while a page with a roff mistake is reported (the check can fail)") {
    const auto bad = run_command("printf '.TH X 1\\n.SH NAME\\n\\\\fBx\\n.ZZ\\n' | groff -man -ww -z 2>&1");
    CHECK_FALSE(bad.output.empty());
  }
}
