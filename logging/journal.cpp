#include "logging/journal.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace recharged::logging {
namespace {

// Fields journald or journalctl interpret; an event key of that name is kept under RECHARGED_<NAME>.
bool reserved(std::string_view name) {
  static constexpr std::array<std::string_view, 12> exact{"MESSAGE",   "MESSAGE_ID", "PRIORITY", "ERRNO",
                                                           "TID",       "UNIT",       "USER_UNIT", "INVOCATION_ID",
                                                           "DOCUMENTATION", "OBJECT_PID", "CODE_LINE", "CODE_FILE"};
  for (auto e : exact)
    if (name == e) return true;
  for (std::string_view prefix : {"SYSLOG_", "CODE_", "COREDUMP", "OBJECT_", "USER_INVOCATION", "RECHARGED_"})
    if (name.starts_with(prefix)) return true;
  return false;
}

// "out_recharge_no" -> "OUT_RECHARGE_NO"; "" when the key cannot be a field name.
std::string field_name(std::string_view key) {
  if (key.empty() || key.size() > 50 || key[0] == '_' || (key[0] >= '0' && key[0] <= '9')) return {};
  std::string out;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') out += c;
    else return {};
  }
  return out;
}

// Reads one value at `s[i]` (bare, or quoted with EventLine's escapes) and advances `i` past it.
std::string read_value(std::string_view s, std::size_t& i) {
  std::string v;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        v += s[i];
        continue;
      }
      const char e = s[++i];
      switch (e) {
      case 'n': v += '\n'; break;
      case 'r': v += '\r'; break;
      case 't': v += '\t'; break;
      case 'x':
        if (i + 2 < s.size()) {
          unsigned byte = 0;
          if (std::sscanf(std::string(s.substr(i + 1, 2)).c_str(), "%2x", &byte) == 1) v += static_cast<char>(byte);
          i += 2;
        }
        break;
      default: v += e; // \" and \\.
      }
    }
    if (i < s.size()) ++i; // the closing quote
    return v;
  }
  while (i < s.size() && s[i] != ' ') v += s[i++];
  return v;
}

} // namespace

std::vector<JournalField> event_fields(std::string_view payload) {
  std::vector<JournalField> out;
  if (!payload.starts_with("event=")) return out;
  std::size_t i = 0;
  while (i < payload.size()) {
    while (i < payload.size() && payload[i] == ' ') ++i;
    const std::size_t eq = payload.find('=', i);
    const std::size_t space = payload.find(' ', i);
    if (eq == std::string_view::npos || (space != std::string_view::npos && space < eq)) { // not key=value
      i = space == std::string_view::npos ? payload.size() : space;
      continue;
    }
    std::string name = field_name(payload.substr(i, eq - i));
    i = eq + 1;
    std::string value = read_value(payload, i);
    if (name.empty()) continue;
    if (reserved(name)) name = "RECHARGED_" + name;
    out.push_back({std::move(name), std::move(value)});
  }
  return out;
}

std::string journal_datagram(const std::vector<JournalField>& fields) {
  std::string d;
  for (const auto& f : fields) {
    d += f.name;
    if (f.value.find('\n') == std::string::npos) {
      d += '=';
      d += f.value;
    } else {
      d += '\n';
      auto n = static_cast<std::uint64_t>(f.value.size());
      for (int b = 0; b < 8; ++b, n >>= 8) d += static_cast<char>(n & 0xff);
      d += f.value;
    }
    d += '\n';
  }
  return d;
}

bool is_journal_stream(int fd, const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(journal_stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

JournalSocket::~JournalSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool JournalSocket::send(const std::string& datagram) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return false;
  }
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  if (fd_ < 0) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  ssize_t n = 0;
  do n = ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                  sizeof addr);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(datagram.size());
}

} // namespace recharged::logging
