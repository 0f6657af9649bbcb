#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace recharged::logging {

struct LogOptions {
  bool to_file = false;            // false: stderr (journald adds its own timestamps)
  std::filesystem::path file;      // when to_file
  std::string level = "info";      // trace | debug | info | warn | error
  // Where stderr lines go when stderr is the journal: "" = detect it ($JOURNAL_STREAM names fd 2) and then
  // send each line with its event fields to journald's socket; a path = always send there (tests).
  std::string journal_socket;
};

// The process's log output: one shared sink (stderr; the journal with each event's key=value pairs as fields
// when stderr is the journal; or an append-mode file that can be reopened after logrotate moves it) and one
// named logger per module (api, engine, notify, listener, webhooks, daemon, sandbox).
// Line format: "2026-11-23T17:30:00.123+08:00 info api event=api_call key=value …".
class Logging {
public:
  [[nodiscard]] static Result<std::shared_ptr<Logging>> create(const LogOptions& options);
  // A logger that writes nowhere, for tests and quiet tools.
  [[nodiscard]] static std::shared_ptr<spdlog::logger> null_logger(const std::string& name);

  [[nodiscard]] std::shared_ptr<spdlog::logger> get(const std::string& module);
  // Reopens the log file (SIGHUP after logrotate). No-op for stderr. Thread-safe.
  [[nodiscard]] Status reopen();
  [[nodiscard]] Status set_level(const std::string& level);
  void flush();

  struct Impl;
  explicit Logging(std::unique_ptr<Impl> impl);
  ~Logging();

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace recharged::logging
