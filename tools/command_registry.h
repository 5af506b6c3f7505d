// Each `cloister <noun>` lives in its own *_commands.cpp and registers itself here.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace cloister::cli {

using CommandAdder = std::function<void(CLI::App& root)>;

std::vector<CommandAdder>& command_adders();

struct RegisterCommands {
  explicit RegisterCommands(CommandAdder adder) { command_adders().push_back(std::move(adder)); }
};

// Adders that extend a noun another file creates (root.get_subcommand("attest")).
// They run after every RegisterCommands adder: the order of static
// initialisation across files is unspecified, so it cannot order them.
std::vector<CommandAdder>& subcommand_adders();

struct RegisterSubcommands {
  explicit RegisterSubcommands(CommandAdder adder) { subcommand_adders().push_back(std::move(adder)); }
};

// The exit code of the command that ran; callbacks set it (default 0).
int& exit_code();

// Prints "error: <message>" and a hint to stderr; returns the process exit code 1.
int fail(const std::string& message, const std::string& hint = "");

}  // namespace cloister::cli
