// `codex-companion mcp`: the MCP server on this process's stdin and stdout (newline-delimited
// JSON-RPC 2.0). The protocol is mcp::Session (sans-IO); this file is its IO: a reader on stdin
// (lines bounded by ServerOptions::max_line: a longer one is dropped and answered with an
// error, and the next line is read), one thread per request at work, and one writer (a mutex)
// on stdout.
//
// Every tool runs the CLI itself — this executable with the tool's command line (mcp/tools.h),
// stdin /dev/null, its output captured — so a command that fails or hangs (bounded: kCliTimeoutMs)
// never takes the server down, and nothing of it reaches the protocol stream. Jobs run in their
// own workers (the CLI's --background), never inside the server: a server that is killed, or a
// client that stops reading, leaves every job running to its one terminal state.
//
// Long calls: codex_task and the reviews wait (unless `background`) at most `wait_ms` for the
// job, sending notifications/progress when the client gave a progressToken, then answer with the
// job id and how to fetch it. A task-augmented tools/call (MCP 2025-11-25) answers at once with
// the task, whose id is the job id; tasks/get, tasks/result, tasks/cancel and tasks/list read the
// job store, so tasks outlive the client and the server. A request the client cancels
// (notifications/cancelled) is not answered; a job the call started and was waiting for in the
// foreground is cancelled with it (as Ctrl-C cancels a foreground `task`).
// The workspace is the first file:// root the client lists (roots/list), else `cwd`; the CLI
// checks it as it checks any --cwd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sys/env.h"

namespace companion::mcp {

struct ServerOptions {
  std::string executable;   // this program: what runs each CLI command
  std::string cwd;          // the workspace when the client lists no root
  std::string version;      // serverInfo.version
  int64_t wait_ms = 50000;  // the longest a foreground tool call waits for its job
  size_t max_line = 8 * 1024 * 1024;
};

// Bound on one CLI command run for a request (a launch may start a broker; cancel is bounded
// by the CLI at 5 s).
inline constexpr int kCliTimeoutMs = 60000;

// Serves until stdin ends, then waits (bounded) for the requests at work to stop. Returns the
// exit status (0). Never throws.
int serve(sys::Env& env, const ServerOptions& options);

}  // namespace companion::mcp
