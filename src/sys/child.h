// Supervising children from an event loop: starting and signalling them, an exit notification
// descriptor, process-group liveness, and SIGPIPE handling for processes that write to pipes.
// Outside the sys::Env seam by design: the event-loop transport (rpc/child_transport) starts its
// child, watches it exit and ends its group from Asio handlers and a noexcept destructor, with no
// Env in reach; it is tested against real processes.
#pragma once

#include <sys/types.h>

#include "sys/fd.h"
#include "sys/process.h"
#include "sys/result.h"

namespace companion::sys {

// sys::spawn for a child supervised from an event loop (pipes for its stdio, reaped by its
// supervisor).
Result<pid_t> spawn_supervised(const SpawnOptions& options);

// sys::signal_group for the process group of a child supervised from an event loop. A vanished
// group is not an error; pgid <= 1 is refused.
Status signal_supervised_group(pid_t pgid, int sig);

// A close-on-exec descriptor that becomes readable when the child `pid` exits: a pidfd on Linux,
// a kqueue with an EVFILT_PROC NOTE_EXIT filter on macOS. Reading it is not needed; reap with
// try_reap() afterwards. An error where the platform has no such descriptor (and with
// COMPANION_PORTABLE_FALLBACKS): callers fall back to polling try_reap().
Result<UniqueFd> open_exit_fd(pid_t pid);

// True while some process (zombies included) is still in process group `pgid`.
bool process_group_alive(pid_t pgid);

// Makes a write to a closed pipe fail with EPIPE instead of killing this process. Idempotent.
// spawn() resets the disposition to the default in children.
void ignore_sigpipe();

}  // namespace companion::sys
