// Leaving the caller's process tree, for a daemon (the shared broker) that must outlive the job
// that started it and must not count as that job's descendant (jobs end every descendant they
// leave behind: sys::end_descendants).
#pragma once

#include "sys/result.h"

namespace companion::sys {

enum class ForkSide { kParent, kChild };

// Forks. The parent gets kParent and should exit at once; the child gets kChild and runs on in a
// new session, orphaned as soon as the parent exits (adopted by init, or by the nearest
// subreaper above the parent). REQUIRES: a single-threaded process.
Result<ForkSide> fork_detached();

}  // namespace companion::sys
