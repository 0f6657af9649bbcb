#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace recharged {

int main(int argc, char** argv) {
  CLI::App app{"recharged: apply for, track and settle WeChat Pay secondary-merchant recharge orders"};
  app.set_version_flag("--version", std::string("recharged ") + RECHARGED_VERSION);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::cout << app.help();
  return 0;
}

} // namespace recharged
