#include "http/connection_table.hpp"

#include <sys/socket.h>

namespace recharged::http {

void ConnectionTable::opened(const void* id, int fd, std::string client, Clock::time_point now) {
  std::lock_guard lock(mu_);
  ++per_client_[client];
  entries_[id] = Entry{fd, std::move(client), now, true, false};
}

void ConnectionTable::closed(const void* id) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const auto c = per_client_.find(it->second.client);
  if (c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  entries_.erase(it);
}

bool ConnectionTable::answering(const void* id) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.expired) return false;
  it->second.owes_request = false;
  return true;
}

void ConnectionTable::waiting(const void* id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.owes_request = true;
  it->second.since = now;
}

std::size_t ConnectionTable::open() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t ConnectionTable::from(const std::string& client) const {
  std::lock_guard lock(mu_);
  const auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

std::vector<std::string> ConnectionTable::expire(Clock::time_point now, Clock::duration timeout) {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (auto& [id, e] : entries_) {
    if (!e.owes_request || e.expired || now - e.since < timeout) continue;
    e.expired = true;
    ++expired_;
    ::shutdown(e.fd, SHUT_RDWR); // listed, hence not yet closed by the event loop: still this connection's socket
    out.push_back(e.client);
  }
  return out;
}

std::uint64_t ConnectionTable::expired() const {
  std::lock_guard lock(mu_);
  return expired_;
}

std::optional<ConnectionTable::Clock::time_point> ConnectionTable::next_deadline(Clock::duration timeout) const {
  std::optional<Clock::time_point> next;
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : entries_)
    if (e.owes_request && !e.expired && (!next || e.since + timeout < *next)) next = e.since + timeout;
  return next;
}

} // namespace recharged::http
