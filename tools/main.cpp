// cloister: the one command-line tool. `cloister <noun> <verb> --help` for each command.
#include <iostream>

#include "tools/command_registry.h"

namespace cloister::cli {

std::vector<CommandAdder>& command_adders() {
  static std::vector<CommandAdder> adders;
  return adders;
}

std::vector<CommandAdder>& subcommand_adders() {
  static std::vector<CommandAdder> adders;
  return adders;
}

int& exit_code() {
  static int code = 0;
  return code;
}

int fail(const std::string& message, const std::string& hint) {
  std::cerr << "error: " << message << "\n";
  if (!hint.empty()) std::cerr << "hint: " << hint << "\n";
  return 1;
}

}  // namespace cloister::cli

int main(int argc, char** argv) {
  CLI::App app{"cloister: confidential computing toolkit (enclaves, attestation, sealing)", "cloister"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cloister 0.1.0");
  for (auto& add : cloister::cli::command_adders()) add(app);
  for (auto& add : cloister::cli::subcommand_adders()) add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return cloister::cli::exit_code();
}
