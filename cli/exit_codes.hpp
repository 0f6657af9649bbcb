#pragma once

namespace recharged::cli {

// Process exit codes, documented in README ("Exit codes"). Stable: scripts depend on them.
enum ExitCode : int {
  k_exit_ok = 0,          // done
  k_exit_internal = 1,    // unexpected failure (a bug); the message says what
  k_exit_usage = 2,       // bad command line or input value; nothing was changed
  k_exit_config = 3,      // the config file, a key file or the calendar is invalid or unreadable
  k_exit_refused = 4,     // the platform refused for good (order REJECTED) or the order is not in a state for this
  k_exit_retry = 5,       // the platform could not be reached or answered ambiguously; safe to re-run
  k_exit_storage = 6,     // the database is unavailable, locked, full, read-only, newer than this binary or damaged
  k_exit_not_found = 7,   // no such order (locally, or at the platform)
  k_exit_attention = 8,   // the order is SUSPECT, or the platform and our record disagree: a human should look
  k_exit_running = 9,     // another recharged daemon already runs on this database
  k_exit_address = 10,    // a listen address ([notify], [metrics] or [api] listen) is taken by another process
  k_exit_paid = 11,       // `close`: the order was not closed because it is paid (SUCCESS)
};

} // namespace recharged::cli
