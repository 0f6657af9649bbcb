#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace recharged::logging {

struct JournalField {
  std::string name;  // [A-Z0-9_], not starting with '_' or a digit
  std::string value; // any bytes
};

// The journal fields of one event line's payload ("event=NAME key=value key=\"quoted value\" …"): EVENT=NAME and
// one field per pair, its name upper-cased (out_recharge_no -> OUT_RECHARGE_NO) and its value unquoted. A name
// journald gives a meaning of its own (MESSAGE, PRIORITY, SYSLOG_*, CODE_*, …) gets a RECHARGED_ prefix; a
// token that is not a valid pair is skipped. A payload that is not an event line has no fields.
[[nodiscard]] std::vector<JournalField> event_fields(std::string_view payload);

// One datagram of journald's native protocol: NAME=value lines, or for a value with a newline
// NAME\n<64-bit little-endian length><value>\n.
[[nodiscard]] std::string journal_datagram(const std::vector<JournalField>& fields);

// Whether `fd` is the stream systemd connected to the journal: $JOURNAL_STREAM ("DEVICE:INODE", set by systemd
// for StandardError=journal) names the file `fd` refers to. `journal_stream` null: not under systemd.
[[nodiscard]] bool is_journal_stream(int fd, const char* journal_stream);

// A datagram socket to journald's native socket (or a test's). Not thread-safe: the sink serialises calls.
class JournalSocket {
public:
  explicit JournalSocket(std::string path) : path_(std::move(path)) {}
  ~JournalSocket();
  JournalSocket(const JournalSocket&) = delete;
  JournalSocket& operator=(const JournalSocket&) = delete;
  // False (errno set) when the datagram was not delivered whole, e.g. no journal listens there.
  [[nodiscard]] bool send(const std::string& datagram);

private:
  std::string path_;
  int fd_ = -1;
};

inline constexpr const char* k_journal_socket = "/run/systemd/journal/socket";

} // namespace recharged::logging
