// The process table on macOS: libproc and sysctl (no /proc there).
#include "sys/process_table.h"

#ifdef __APPLE__

#include <libproc.h>
#include <sys/proc_info.h>
#include <sys/sysctl.h>
#include <unistd.h>

#include <cstring>

namespace companion::sys {

std::optional<ProcessEntry> process_entry(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  struct proc_bsdinfo info {};
  int size = ::proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &info, sizeof info);
  if (size != static_cast<int>(sizeof info)) return std::nullopt;
  ProcessEntry entry;
  entry.zombie = info.pbi_status == SZOMB;
  entry.ppid = static_cast<pid_t>(info.pbi_ppid);
  entry.pgid = static_cast<pid_t>(info.pbi_pgid);
  // proc_bsdinfo has no session id; getsid answers for any process of this machine.
  pid_t sid = ::getsid(pid);
  entry.sid = sid > 0 ? sid : 0;
  entry.start_time = static_cast<uint64_t>(info.pbi_start_tvsec) * 1000000U +
                     static_cast<uint64_t>(info.pbi_start_tvusec);
  return entry;
}

std::vector<pid_t> list_pids() {
  // The count grows between the calls: ask for room to spare, and again when it was filled.
  for (int room = ::proc_listallpids(nullptr, 0) + 64; room > 0 && room <= 1000000; room *= 2) {
    std::vector<pid_t> pids(static_cast<std::size_t>(room));
    int got = ::proc_listallpids(pids.data(), static_cast<int>(pids.size() * sizeof(pid_t)));
    if (got < 0) return {};
    if (got < room) {
      pids.resize(static_cast<std::size_t>(got));
      std::erase_if(pids, [](pid_t pid) { return pid <= 1; });
      return pids;
    }
  }
  return {};
}

std::optional<std::string> process_executable(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  char buf[PROC_PIDPATHINFO_MAXSIZE];
  int n = ::proc_pidpath(pid, buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::vector<std::string>> process_arguments(pid_t pid, std::size_t count) {
  if (pid <= 0) return std::nullopt;
  // KERN_PROCARGS2: argc (an int), the executable path, NULs, then argv's strings.
  int mib[3] = {CTL_KERN, KERN_PROCARGS2, static_cast<int>(pid)};
  std::string area(64 * 1024, '\0');
  size_t size = area.size();
  if (::sysctl(mib, 3, area.data(), &size, nullptr, 0) != 0 || size < sizeof(int)) {
    return std::nullopt;
  }
  area.resize(size);
  int argc = 0;
  std::memcpy(&argc, area.data(), sizeof argc);
  std::size_t at = area.find('\0', sizeof argc);  // past the executable path
  while (at < area.size() && area[at] == '\0') ++at;
  std::vector<std::string> args;
  while (args.size() < count && static_cast<int>(args.size()) < argc && at < area.size()) {
    std::size_t end = area.find('\0', at);
    if (end == std::string::npos) end = area.size();
    args.push_back(area.substr(at, end - at));
    at = end + 1;
  }
  return args;
}

}  // namespace companion::sys

#endif  // __APPLE__
