// Supervising children from an event loop: an exit notification descriptor, process-group
// liveness, and SIGPIPE handling for processes that write to pipes.
#pragma once

#include <sys/types.h>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

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
