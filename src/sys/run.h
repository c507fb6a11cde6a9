// Running a short-lived command to completion and capturing its output, with bounds on
// everything: output size, time, and the child's lifetime.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sys/result.h"

namespace companion::sys {

struct RunOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  std::string cwd;                // empty: inherit
  // Environment overrides (NAME, value) on top of the inherited environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Bytes of stdout kept; beyond them the rest is read and dropped (or, with
  // kill_on_overflow, the command is killed) and RunResult::stdout_truncated is set.
  size_t max_stdout_bytes = 4 * 1024 * 1024;
  // Only the last `max_stderr_bytes` of stderr are kept.
  size_t max_stderr_bytes = 8 * 1024;
  // Ends the command (its whole process group) as soon as stdout passes the limit: for
  // callers that only need to know "more than N bytes".
  bool kill_on_overflow = false;
  // Wall-clock limit for the whole run; the process group is killed when it passes.
  int timeout_ms = 30000;
  // The command's stdin (not owned; the caller closes it after the run); -1: /dev/null.
  int stdin_fd = -1;
};

struct RunResult {
  int wait_status = 0;  // raw waitpid() status
  std::string out;      // stdout, at most max_stdout_bytes
  bool stdout_truncated = false;
  std::string err_tail;  // the last max_stderr_bytes of stderr
  bool timed_out = false;

  // True when the command exited by itself with code 0.
  bool success() const;
  // Exit code, or -1 when the command did not exit normally (signal, timeout).
  int exit_code() const;
  // "exit code 2", "signal 9", "timed out after 3000 ms"-style text for messages.
  std::string describe() const;
};

// Runs `options.argv` with stdin from `options.stdin_fd` (else /dev/null) and stdout/stderr
// captured through pipes, in its own process group, and waits for it. The child is always reaped
// before this returns: on timeout (or overflow with kill_on_overflow) its process group gets
// SIGKILL. A non-zero exit is not an error here; errors are failures to start or to supervise the
// command. Thread-compatible: may be called from several threads at once.
Result<RunResult> run_command(const RunOptions& options);

// The absolute path of the running executable (/proc/self/exe on Linux), or an error where
// the platform cannot tell. When the file was replaced while this process ran (an update), the
// path of the new file: what starts a worker or a notifier starts the installed version.
Result<std::string> executable_path();

}  // namespace companion::sys
