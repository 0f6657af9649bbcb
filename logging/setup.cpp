#include "logging/setup.hpp"

#include "logging/journal.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace recharged::logging {
namespace {

constexpr const char* k_pattern = "%Y-%m-%dT%H:%M:%S.%e%z %l %n %v";

// Appends to a file with O_APPEND and reopens the path on request, so logrotate can move the file and
// SIGHUP makes new lines go to a fresh one.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit ReopenableFileSink(std::filesystem::path path) : path_(std::move(path)) {}
  ~ReopenableFileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open() {
    std::lock_guard lock(mutex_);
    return open_locked();
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    if (fd_ < 0) return;
    const char* p = buf.data();
    std::size_t left = buf.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return; // disk full: drop the line rather than block the daemon
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override {}

private:
  Status open_locked() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
      return Error::invalid("log.file", "Cannot open the log file '" + path_.string() + "': " + std::strerror(errno) + ".");
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    return {};
  }
  std::filesystem::path path_;
  int fd_ = -1;
};

// journald's native protocol: MESSAGE is the line stderr would carry, unchanged, and the event's key=value
// pairs travel beside it as fields (EVENT=, OUT_RECHARGE_NO=, ...). A line the journal does not take is
// written to stderr instead, so nothing is lost.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit JournalSink(std::string socket) : socket_(std::move(socket)) {}

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line(buf.data(), buf.size());
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::vector<JournalField> fields{{"MESSAGE", line},
                                     {"PRIORITY", std::to_string(priority(msg.level))},
                                     {"SYSLOG_IDENTIFIER", "recharged"},
                                     {"RECHARGED_MODULE", std::string(msg.logger_name.data(), msg.logger_name.size())}};
    for (auto& f : event_fields(std::string_view(msg.payload.data(), msg.payload.size()))) fields.push_back(std::move(f));
    if (socket_.send(journal_datagram(fields))) return;
    std::fwrite(buf.data(), 1, buf.size(), stderr);
    std::fflush(stderr);
  }
  void flush_() override {}

private:
  static int priority(spdlog::level::level_enum l) {
    switch (l) {
    case spdlog::level::critical: return 2;
    case spdlog::level::err: return 3;
    case spdlog::level::warn: return 4;
    case spdlog::level::info: return 6;
    default: return 7;
    }
  }
  JournalSocket socket_;
};

Result<spdlog::level::level_enum> parse_level(const std::string& level) {
  const auto l = spdlog::level::from_str(level);
  if (l == spdlog::level::off && level != "off")
    return Error::invalid("log.level", "The log level '" + level + "' is unknown (trace, debug, info, warn, error).");
  return l;
}

} // namespace

struct Logging::Impl {
  spdlog::sink_ptr sink;
  std::shared_ptr<ReopenableFileSink> file_sink;
  spdlog::level::level_enum level = spdlog::level::info;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

Logging::Logging(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Logging::~Logging() { flush(); }

Result<std::shared_ptr<Logging>> Logging::create(const LogOptions& options) {
  auto impl = std::make_unique<Impl>();
  RECHARGED_TRY(impl->level, parse_level(options.level));
  if (options.to_file) {
    auto sink = std::make_shared<ReopenableFileSink>(options.file);
    RECHARGED_CHECK(sink->open());
    impl->file_sink = sink;
    impl->sink = sink;
  } else if (!options.journal_socket.empty()) {
    impl->sink = std::make_shared<JournalSink>(options.journal_socket);
  } else if (is_journal_stream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"))) {
    impl->sink = std::make_shared<JournalSink>(k_journal_socket);
  } else {
    impl->sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  impl->sink->set_pattern(k_pattern);
  return std::make_shared<Logging>(std::move(impl));
}

std::shared_ptr<spdlog::logger> Logging::null_logger(const std::string& name) {
  return std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::shared_ptr<spdlog::logger> Logging::get(const std::string& module) {
  std::lock_guard lock(impl_->mu);
  auto& slot = impl_->loggers[module];
  if (!slot) {
    slot = std::make_shared<spdlog::logger>(module, impl_->sink);
    slot->set_level(impl_->level);
    slot->flush_on(spdlog::level::trace);
  }
  return slot;
}

Status Logging::reopen() {
  if (!impl_->file_sink) return {};
  return impl_->file_sink->open();
}

Status Logging::set_level(const std::string& level) {
  RECHARGED_TRY(const auto l, parse_level(level));
  std::lock_guard lock(impl_->mu);
  impl_->level = l;
  for (auto& [name, logger] : impl_->loggers) logger->set_level(l);
  return {};
}

void Logging::flush() {
  if (!impl_) return;
  std::lock_guard lock(impl_->mu);
  for (auto& [name, logger] : impl_->loggers) logger->flush();
}

} // namespace recharged::logging
