#pragma once

namespace recharged {

// The whole program: parses the command line, runs one subcommand, returns the process exit code
// (see cli/exit_codes.hpp). Catches everything; never throws.
int main(int argc, char** argv);

} // namespace recharged
