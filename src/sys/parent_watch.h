// Children that die with their parent where the OS has no parent-death signal (macOS; Linux
// with COMPANION_PORTABLE_FALLBACKS). spawn() with die_with_parent starts a guardian: a forked
// (not exec'd) process that holds the read end of a pipe whose only write end this process holds.
// When this process dies, however it dies, the kernel closes the write end; the guardian reads
// end-of-file and sends SIGKILL to the child and its process group, then exits. When the child is
// reaped (try_reap, reap_within, end_descendants), its guardian is released: it reads one byte
// and exits without signalling, and is reaped.
// Weaker than PR_SET_PDEATHSIG: a child that exited and was not yet reaped when this process died
// is reaped by init meanwhile, so its pid could in principle be reused in the moment before the
// guardian signals; and a guardian ended first (SIGKILL to it alone) protects nothing.
// Thread-safe: the guardians are kept in a table under a mutex.
#pragma once

#include <sys/types.h>

#include "sys/result.h"

namespace companion::sys {

// Starts the guardian of `child` (a child of this process). Errors: no pipe, no fork.
Status guard_child(pid_t child);

// Releases and reaps the guardian of `child`, if it has one (after `child` was reaped).
void release_guardian(pid_t child);

// Records that `leader`, a child started with die_with_parent and a session of its own, leads a
// session whose members are this process's work: without a subreaper its orphans are found there
// by live_descendants (sys/process.h). At most the latest 256 are kept.
void record_started_session(pid_t leader);

// In a process forked from this one that goes on running this program (fork_detached's child):
// closes the write ends it inherited, so they die with the process that made them.
void forget_guardians_after_fork();

}  // namespace companion::sys
