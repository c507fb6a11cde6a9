// `codex-companion broker serve`: runs the broker daemon (broker/daemon.h) in this process until
// it exits. Asio-free: this is what the CLI includes.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "codex/codex_binary.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::broker {

struct ServeOptions {
  codex::CodexCommand codex;  // the Codex CLI (resolve_codex)
  std::string endpoint;       // "unix:<absolute path>"
  std::string pid_file;       // empty: none
  std::string cwd;            // the workspace: the app-server's working directory
  nlohmann::json identity;    // the Codex identity it serves (codex::to_json)
  int64_t idle_ms = 10 * 60 * 1000;
  std::function<void(std::string_view)> log;  // diagnostics; may be empty
};

// Starts the broker and serves until it shuts down; returns its exit code (0 after SIGTERM,
// SIGINT, broker/shutdown or the idle timeout; 1 when its app-server exited). SIGTERM and SIGINT
// are handled while it runs. An error when it could not start (nothing is left behind then).
// This process becomes the reaper of its orphaned descendants (sys::become_subreaper): what the
// app-server started and left behind, even outside its session, is adopted, reaped as it exits
// while the broker runs, and ended (SIGTERM, then SIGKILL) before serve() returns, however the
// broker stops.
// REQUIRES: called from the main thread (the app-server's parent-death signal is tied to it);
// this process runs nothing else (every descendant of it is the broker's).
// `env`: the OS seam the broker uses for its files, processes and clocks.
Result<int> serve(sys::Env& env, const ServeOptions& options);

}  // namespace companion::broker
