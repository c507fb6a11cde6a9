// Processes: spawning (own session or group, descriptors handed over, parent-death signal),
// identity (pid + start time, so a recycled pid never passes for the original), signalling,
// reaping.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
  // SIGKILL when this process dies: PR_SET_PDEATHSIG on Linux; elsewhere (and with
  // COMPANION_PORTABLE_FALLBACKS) a guardian process (sys/parent_watch.h), and a child that also
  // leads a new session has that session's members counted among this process's descendants.
  bool die_with_parent = false;
  // The child's umask. nullopt: the user's (user_umask()), not the 077 this process keeps for
  // its own files, so what Codex, git (`apply`, objects in the user's repository) and the notify
  // command create gets the modes the user expects. Only the umask this process started with is
  // restored; without prepare_process() the child inherits this process's umask unchanged.
  std::optional<mode_t> umask;
};

// Starts a child. The executable is resolved before forking so that a missing program is an
// error here, not a silent exit 127 later.
Result<pid_t> spawn(const SpawnOptions& options);

// Resolves a program name on `path_var` (a PATH value; this process's PATH when nullopt), or
// checks an explicit path. The result is absolute: a relative path, or a relative (or empty)
// PATH entry, is resolved against this process's working directory, so a child started
// elsewhere runs the same file. The error names what was looked for.
Result<std::string> find_executable(const std::string& name,
                                    const std::optional<std::string>& path_var = std::nullopt);

// What the process table says about a process (sys/process_table.h: /proc on Linux, libproc on
// macOS).
struct ProcStat {
  char state = '?';  // R, S, D, Z (zombie), T (stopped), ...
  pid_t ppid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  // Linux: clock ticks since boot (stat field 22); macOS: microseconds since the epoch. Compare
  // only for equality.
  uint64_t start_time = 0;
};

// nullopt when the process does not exist.
std::optional<ProcStat> read_proc_stat(pid_t pid);

// Start time of a process (ProcStat::start_time); nullopt when the process does not exist or is
// a zombie.
std::optional<uint64_t> process_start_time(pid_t pid);

// True when `pid` is alive and started at `start_time` (0 = unknown: any live pid matches).
bool process_matches(pid_t pid, uint64_t start_time);

// Sends `sig` to the process group `pgid`; a vanished group is not an error.
Status signal_group(pid_t pgid, int sig);

// Sends `sig` to one process; a vanished process is not an error.
Status signal_process(pid_t pid, int sig);

// Ends the session that `leader` (started at `start_time`) leads or led, with SIGKILL to every
// process in it: how what a job started is ended when its owner could not do it (a SIGKILLed
// worker or app-server). Safe against pid reuse, decided from one scan of the process table: when
// the session's leader is alive, the session is ended only when its start time is `start_time`
// (0 never matches); when it is not, the kernel (Linux and macOS alike) keeps the session id
// allocated while any process is still in the session, so the members found are the dead
// leader's own leftovers. Returns how many processes were signalled.
int end_session(pid_t leader, uint64_t start_time);

// Makes this process the reaper of its orphaned descendants (Linux PR_SET_CHILD_SUBREAPER), so
// a grandchild whose parent dies (an MCP server of a killed app-server) stays ours to end.
// Where there is no such thing (macOS, COMPANION_PORTABLE_FALLBACKS) it does nothing and
// succeeds: live_descendants finds orphans by session instead (see there).
Status become_subreaper();

// True when `pid` leads its own session and runs this very executable (the same executable path
// as this process's, from the process table) with `first_argument` as argv[1]: how a process
// recognises another job's worker among its descendants. False when it cannot tell.
bool is_own_session_leader_running(pid_t pid, std::string_view first_argument);

// The descendants of this process that are still alive (children, their children, ...), found
// through the process table's parent links; deepest first is not guaranteed. A descendant for
// which `independent(pid)` is true is left out with its whole subtree.
// Without a subreaper (macOS, COMPANION_PORTABLE_FALLBACKS) an orphan's parent is init, so the
// processes of this process's own session (when it leads one) and of the sessions led by its
// die_with_parent children (alive, or gone with members left) count too, with what they
// started. Weaker than the subreaper: an orphan that left those sessions (setsid) is not found.
std::vector<pid_t> live_descendants(const std::function<bool(pid_t)>& independent = {});

// Ends every live descendant of this process except the independent ones (see
// live_descendants): SIGTERM, up to `grace_ms` for them to go, then SIGKILL to what is left,
// and reaps the ones that are our children. For the ends of a job: nothing it started may
// outlive it, but another job's worker it launched (or adopted as a subreaper) is not its own.
// Returns how many descendants were found.
int end_descendants(int grace_ms, const std::function<bool(pid_t)>& independent = {});

// Start-up settings of every codex-companion process: files it creates are private (umask 077;
// the umask it started with is kept for its children, see SpawnOptions::umask) and a write to a
// closed pipe is an error (EPIPE), not a fatal SIGPIPE. Call once, first thing in main().
void prepare_process();

// Reaps every child of this process that has exited, except `keep` (whose owner reaps it and
// wants its status): for a subreaper, the orphans it adopted. Non-blocking; stops at `keep` when
// that child is waiting to be reaped (the next call reaps what is behind it). Returns how many.
int reap_exited_children_except(pid_t keep);

// The umask this process started with, recorded by prepare_process(); nullopt before it ran.
std::optional<mode_t> user_umask();

// Non-blocking reap: the raw wait status if `pid` exited.
std::optional<int> try_reap(pid_t pid);

// Waits up to `timeout_ms` for a child to exit; the raw status or nullopt.
std::optional<int> reap_within(pid_t pid, int timeout_ms);

// "exit code 3" or "signal 9".
std::string describe_wait_status(int status);

// Creates a pipe with both ends close-on-exec.
Result<std::pair<UniqueFd, UniqueFd>> make_pipe();

}  // namespace companion::sys
