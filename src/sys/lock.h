// Job liveness by lock (DESIGN.md invariant 3): the owner holds an exclusive flock on a file
// for as long as it lives; the kernel drops it however the owner dies.
#pragma once

#include <string>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

// Creates `path` (which must not exist) and takes an exclusive lock on it. The descriptor is
// close-on-exec; hand it to a child with SpawnOptions::keep_fds.
Result<UniqueFd> create_locked_file(const std::string& path);

enum class LockState {
  kHeld,     // some live process holds the lock
  kFree,     // the file exists and nobody holds it: the owner is gone
  kMissing,  // the file does not exist
};

// Asks whether the lock at `path` is held. Uses a shared, non-blocking probe, so several readers
// can ask at once without mistaking each other for the owner, and never blocks.
Result<LockState> probe_lock(const std::string& path);

// Worker side of a handed-over lock: checks that descriptor `fd` is the file at `path` and that
// this process holds its exclusive lock, then makes it close-on-exec so no child of ours (the
// app-server) can keep the job alive after we die. The error is the line to show.
Status adopt_inherited_lock(int fd, const std::string& path);

}  // namespace companion::sys
