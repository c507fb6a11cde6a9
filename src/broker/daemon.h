// The broker daemon: one `codex app-server` shared by many clients over a unix socket (SPEC.md
// guarantee 4, DESIGN.md "The broker is a multiplexer"). The routing is the sans-IO Router
// (broker/router.h); this is its event loop.
//
// start(): starts and initializes the app-server, then listens on options.socket_path in its
// directory (created 0700 when missing; an existing one must be a real directory of ours, see
// sys::ensure_private_dir), and writes the pid file. A stale socket file (nobody listening) is
// replaced; a live one is an error. On any error nothing is left behind.
//
// run(): serves until one of
//   - the app-server exits or closes its output       -> exit code 1 (cause app-server-exited)
//   - request_stop() (SIGTERM/SIGINT) or broker/shutdown -> 0 (cause stopped)
//   - options.idle_ms with no client and no active turn  -> 0 (cause idle)
// and then, in this order: notifications/broker/shuttingDown {reason, cause} to every client,
// socket and pid file removed, client output flushed (bounded), clients closed, the app-server
// stopped and reaped (bounded, its process group included) and what is left of its session
// ended (sys::end_session with its start time: an MCP server in a process group of its own that
// ignores the end of its stdin and SIGTERM). It returns the exit code. When the app-server dies,
// its session is ended at once, before any client is told.
//
// broker/ping answers with options.identity (the Codex identity the broker serves,
// codex/identity.h) and codexVersion (read off the app-server's initialize answer, or null).
//
// Clients: only peers with this process's uid (SO_PEERCRED) are served; others, and clients
// beyond options.max_clients, get one JSON-RPC error line and are closed. Each client's queued
// output is bounded by options.max_client_queue: a client that does not read is disconnected
// (and its turn interrupted), never waited for.
//
// Single-threaded: one io_context thread. Lifetime: the Daemon must outlive run().
#pragma once

#include <sys/types.h>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "codex/codex_binary.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::broker {

struct DaemonOptions {
  codex::CodexCommand codex;  // the Codex CLI to start `app-server` with (resolve_codex)
  std::string socket_path;    // the path of the endpoint unix:<path>
  std::string pid_file;       // empty: none
  std::string cwd;            // the app-server's working directory (the workspace)
  nlohmann::json identity;    // the Codex identity it serves (codex::to_json), for broker/ping
  int64_t idle_ms = 10 * 60 * 1000;
  std::size_t max_clients = 128;
  std::size_t max_client_queue = 8 * 1024 * 1024;  // bytes queued for one client
  int64_t server_request_timeout_ms = 5000;
  int64_t initialize_timeout_ms = 30000;
  std::chrono::milliseconds stop_step{1500};  // each step of stopping the app-server
  std::function<void(std::string_view)> log;  // diagnostics (the broker's log); may be empty
};

class Daemon {
 public:
  // `env`: the OS seam (files, processes, clocks); it outlives the Daemon.
  Daemon(const asio::any_io_executor& executor, sys::Env& env, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  asio::awaitable<Status> start();
  // REQUIRES: start() succeeded.
  asio::awaitable<int> run();
  // Ends run() as stopped (exit 0) with `reason`. Idempotent; the first reason wins.
  void request_stop(std::string reason);

  pid_t app_server_pid() const;
  std::size_t clients() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace companion::broker
