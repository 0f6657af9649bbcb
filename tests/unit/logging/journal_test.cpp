// Journal fields: each event line's key=value pairs become journald fields beside the unchanged text line, sent
// with journald's native protocol — checked on the fields built for a line and on the datagrams a test socket
// receives in journald's place, and the journal is chosen only when $JOURNAL_STREAM names stderr.

#include "logging/event_line.hpp"
#include "logging/journal.hpp"
#include "logging/setup.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <spdlog/logger.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <regex>

using namespace recharged;
using namespace recharged::logging;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> as_map(const std::vector<JournalField>& fields) {
  std::map<std::string, std::string> out;
  for (const auto& f : fields) {
    CHECK_MESSAGE(out.count(f.name) == 0, f.name);
    out[f.name] = f.value;
  }
  return out;
}

// Parses a native-protocol datagram the way journald does.
std::map<std::string, std::string> parse_datagram(const std::string& d) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < d.size()) {
    const std::size_t nl = d.find('\n', i);
    REQUIRE(nl != std::string::npos);
    const std::string line = d.substr(i, nl - i);
    if (const auto eq = line.find('='); eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
      i = nl + 1;
      continue;
    }
    REQUIRE(nl + 9 <= d.size());
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = (n << 8) | static_cast<unsigned char>(d[nl + 1 + static_cast<std::size_t>(b)]);
    out[line] = d.substr(nl + 9, n);
    REQUIRE(d.at(nl + 9 + n) == '\n');
    i = nl + 10 + n;
  }
  return out;
}

// A datagram socket bound in `dir`, standing in for /run/systemd/journal/socket.
struct FakeJournal {
  explicit FakeJournal(const fs::path& dir) : path((dir / "journal.sock").string()) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~FakeJournal() { ::close(fd); }
  FakeJournal(const FakeJournal&) = delete;
  FakeJournal& operator=(const FakeJournal&) = delete;
  // The next datagram ("" when none is waiting: the sink sends synchronously, so one is there or never).
  std::string next() const {
    std::string buf(1 << 16, '\0');
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    return n < 0 ? std::string() : buf.substr(0, static_cast<std::size_t>(n));
  }
  std::string path;
  int fd = -1;
};

} // namespace

TEST_CASE("an event line's pairs become upper-case journal fields with their values unquoted") {
  const std::string line = EventLine("order_state_changed")
                               .kv("out_recharge_no", "RC20261123173005aZ3k9QpL")
                               .kv("old", "RECHARGING")
                               .kv("new", "SUCCESS")
                               .kv("amount_fen", std::int64_t{50000})
                               .kv("reason", "paid \"at\" the bank\nline=2")
                               .kv("note", "")
                               .str();
  const auto f = as_map(event_fields(line));
  CHECK(f.at("EVENT") == "order_state_changed");
  CHECK(f.at("OUT_RECHARGE_NO") == "RC20261123173005aZ3k9QpL");
  CHECK(f.at("OLD") == "RECHARGING");
  CHECK(f.at("NEW") == "SUCCESS");
  CHECK(f.at("AMOUNT_FEN") == "50000");
  CHECK(f.at("REASON") == "paid \"at\" the bank\nline=2");
  CHECK(f.at("NOTE").empty());
  CHECK(f.size() == 7);
}

TEST_CASE("keys journald gives a meaning of its own are prefixed, invalid ones and non-event lines give nothing") {
  const auto f = as_map(event_fields("event=x message=hi priority=0 syslog_identifier=evil code_file=a.c 9lives=1 "
                                     "_hidden=1 bad-key=1 loose_word ok=1"));
  CHECK(f.at("EVENT") == "x");
  CHECK(f.at("RECHARGED_MESSAGE") == "hi");
  CHECK(f.at("RECHARGED_PRIORITY") == "0");
  CHECK(f.at("RECHARGED_SYSLOG_IDENTIFIER") == "evil");
  CHECK(f.at("RECHARGED_CODE_FILE") == "a.c");
  CHECK(f.at("OK") == "1");
  CHECK(f.size() == 6);
  CHECK(event_fields("listening on 127.0.0.1:8480").empty());
  CHECK(event_fields("").empty());
}

TEST_CASE("the native datagram carries plain values as NAME=value and values with newlines length-prefixed") {
  const std::string d = journal_datagram({{"MESSAGE", "one line"}, {"REASON", "two\nlines"}, {"EMPTY", ""}});
  CHECK(d.starts_with("MESSAGE=one line\nREASON\n"));
  CHECK(d.substr(24, 8) == std::string("\x09\0\0\0\0\0\0\0", 8));
  const auto parsed = parse_datagram(d);
  CHECK(parsed.at("MESSAGE") == "one line");
  CHECK(parsed.at("REASON") == "two\nlines");
  CHECK(parsed.at("EMPTY").empty());
}

TEST_CASE("with a journal socket, each line goes to it as MESSAGE unchanged plus its fields and priority") {
  test::TempDir dir;
  FakeJournal journal(dir.path());
  LogOptions o;
  o.journal_socket = journal.path;
  auto logs = Logging::create(o);
  REQUIRE(logs.ok());
  (*logs)->get("api")->warn(EventLine("api_call").kv("endpoint", "query").kv("out_recharge_no", "RC1").kv("status", 500).str());
  const auto d = parse_datagram(journal.next());
  CHECK(std::regex_match(d.at("MESSAGE"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:?\d\d warning api )"
                                                     R"(event=api_call endpoint=query out_recharge_no=RC1 status=500)")));
  CHECK(d.at("PRIORITY") == "4");
  CHECK(d.at("SYSLOG_IDENTIFIER") == "recharged");
  CHECK(d.at("RECHARGED_MODULE") == "api");
  CHECK(d.at("EVENT") == "api_call");
  CHECK(d.at("ENDPOINT") == "query");
  CHECK(d.at("OUT_RECHARGE_NO") == "RC1");
  CHECK(d.at("STATUS") == "500");

  (*logs)->get("daemon")->info("not an event line");
  const auto plain = parse_datagram(journal.next());
  CHECK(plain.at("PRIORITY") == "6");
  CHECK(plain.count("EVENT") == 0);
  CHECK(plain.at("MESSAGE").ends_with(" info daemon not an event line"));
  CHECK(journal.next().empty());
}

TEST_CASE("the journal is chosen only when $JOURNAL_STREAM names the very file stderr is") {
  test::TempDir dir;
  const fs::path file = dir / "stream";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  const std::string same = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  CHECK(is_journal_stream(fd, same.c_str()));
  CHECK_FALSE(is_journal_stream(fd, other.c_str()));
  CHECK_FALSE(is_journal_stream(fd, nullptr));
  CHECK_FALSE(is_journal_stream(fd, "garbage"));
  ::close(fd);
}

TEST_CASE("a line the journal does not take goes to stderr as it is, so nothing is lost") {
  test::TempDir dir;
  LogOptions o;
  o.journal_socket = (dir / "no-journal-here.sock").string();
  auto logs = Logging::create(o);
  REQUIRE(logs.ok());
  const fs::path captured = dir / "stderr";
  const int file = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(file >= 0);
  const int saved = ::dup(STDERR_FILENO);
  REQUIRE(::dup2(file, STDERR_FILENO) == STDERR_FILENO);
  (*logs)->get("daemon")->info(EventLine("daemon_started").kv("version", "0.1.0").str());
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  CHECK(test::slurp(captured).ends_with(" info daemon event=daemon_started version=0.1.0\n"));
}
