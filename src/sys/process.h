// Processes: spawning (own session or group, descriptors handed over, parent-death signal),
// identity (pid + start time, so a recycled pid never passes for the original), signalling,
// reaping.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  std::string cwd;                // empty: inherit
  // Descriptors for the child's 0, 1, 2; -1 means /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Extra descriptors the child keeps: {parent fd, child fd}. Everything else is closed.
  std::vector<std::pair<int, int>> keep_fds;
  // Environment overrides (NAME, value) on top of the inherited environment.
  std::vector<std::pair<std::string, std::string>> env;
  bool new_session = false;        // setsid(): own session and process group
  bool new_process_group = false;  // setpgid(0, 0)
  bool die_with_parent = false;    // PR_SET_PDEATHSIG(SIGKILL) where the platform has it
};

// Starts a child. The executable is resolved before forking so that a missing program is an
// error here, not a silent exit 127 later.
Result<pid_t> spawn(const SpawnOptions& options);

// Resolves a program name on PATH (or checks an explicit path); error names what was looked for.
Result<std::string> find_executable(const std::string& name);

// Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); nullopt when
// the process does not exist.
std::optional<uint64_t> process_start_time(pid_t pid);

// True when `pid` is alive and started at `start_time` (0 = unknown: any live pid matches).
bool process_matches(pid_t pid, uint64_t start_time);

// Sends `sig` to the process group `pgid`; a vanished group is not an error.
Status signal_group(pid_t pgid, int sig);

// Sends `sig` to every process of the session `sid` (all its process groups, such as a worker's
// app-server group and the app-server's children). Linux reads /proc; elsewhere only the
// session leader's group is signalled. Returns how many processes were signalled.
int signal_session(pid_t sid, int sig);

// Non-blocking reap: the raw wait status if `pid` exited.
std::optional<int> try_reap(pid_t pid);

// Waits up to `timeout_ms` for a child to exit; the raw status or nullopt.
std::optional<int> reap_within(pid_t pid, int timeout_ms);

// "exit code 3" or "signal 9".
std::string describe_wait_status(int status);

// Creates a pipe with both ends close-on-exec.
Result<std::pair<UniqueFd, UniqueFd>> make_pipe();

}  // namespace companion::sys
