#pragma once

#include <string>
#include <string_view>

namespace recharged::test {

struct CommandResult {
  int exit_code = -1; // the command's exit status; -1 when it could not run or died from a signal
  std::string output; // everything it wrote to stdout
};

// Runs `command` with /bin/sh -c and captures stdout; stderr passes through to the test's stderr.
// Used to cross-check our crypto against the `openssl` command line.
[[nodiscard]] CommandResult run_command(const std::string& command);

// `text` single-quoted for /bin/sh, safe for any bytes except NUL.
[[nodiscard]] std::string shell_quote(std::string_view text);

} // namespace recharged::test
