// How every `cloister <service> serve` runs: stop signals taken by one
// waiting thread (never a signal handler), the bound port written for
// scripts that asked for --port 0.
#pragma once

#include <string>

#include "cloister/result.h"
#include "http/http_server.h"

namespace cloister::cli {

// Blocks SIGINT and SIGTERM in this thread and every thread started after it,
// and ignores SIGPIPE. Call first thing in a serve command.
void block_stop_signals();

// Writes "<port>\n" to `path` (replacing it) when `path` is not empty.
Status write_port_file(const std::string& path, int port);

// A signed enclave image built with this binary: beside it, in the build
// tree's `build_dir` (relative to src/), or installed under lib/cloister.
// Empty when none is found.
std::string built_enclave_image(const std::string& file_name, const std::string& build_dir);

// Runs `server` until SIGINT or SIGTERM arrives or the listener fails.
void serve_until_signal(http::Server& server, const std::string& name);

}  // namespace cloister::cli
