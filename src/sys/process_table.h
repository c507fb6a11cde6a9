// The process table, read-only: what the OS says about one process, and every process this one
// may see. Linux reads /proc (proc(5)); macOS asks libproc (proc_listallpids, proc_pidinfo
// PROC_PIDTBSDINFO, proc_pidpath) and sysctl (KERN_PROCARGS2). Every read is bounded; a process
// that vanishes meanwhile, or that this user may not inspect, is absent (nullopt), never an error.
// Thread-safe (no state).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace companion::sys {

struct ProcessEntry {
  bool zombie = false;  // exited, not yet reaped
  pid_t ppid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;  // 0 when the platform would not say
  // When the process started, in the platform's unit (Linux: clock ticks since boot; macOS:
  // microseconds since the epoch). Compare only for equality, with the same platform's value.
  uint64_t start_time = 0;
};

// What the table says of `pid`; nullopt when there is no such process (pid <= 0 included).
std::optional<ProcessEntry> process_entry(pid_t pid);

// Every pid above 1 in the table (at most 1,000,000 of them).
std::vector<pid_t> list_pids();

// The path of the executable `pid` runs; nullopt when it cannot be told. On Linux the target of
// /proc/<pid>/exe (a replaced file ends in " (deleted)"); on macOS proc_pidpath.
std::optional<std::string> process_executable(pid_t pid);

// The first `count` arguments of `pid` (argv[0] first), fewer when it has fewer; nullopt when
// they cannot be read. At most 64 KiB of the argument area is read.
std::optional<std::vector<std::string>> process_arguments(pid_t pid, std::size_t count);

}  // namespace companion::sys
