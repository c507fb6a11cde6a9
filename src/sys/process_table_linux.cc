// The process table on Linux: /proc (proc(5)).
#include "sys/process_table.h"

#ifdef __linux__

#include <stdlib.h>

#include <filesystem>
#include <sstream>

#include "sys/fs.h"

namespace companion::sys {

std::optional<ProcessEntry> process_entry(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!text) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 > text->size()) return std::nullopt;
  std::istringstream rest(text->substr(close + 2));
  char state = '?';
  long ppid = 0, pgid = 0, sid = 0;
  if (!(rest >> state >> ppid >> pgid >> sid)) return std::nullopt;
  ProcessEntry entry;
  entry.zombie = state == 'Z';
  entry.ppid = static_cast<pid_t>(ppid);
  entry.pgid = static_cast<pid_t>(pgid);
  entry.sid = static_cast<pid_t>(sid);
  std::string field;
  // Fields 7..21 precede the start time (field 22).
  for (int i = 7; i <= 21; ++i) rest >> field;
  if (!(rest >> entry.start_time)) return std::nullopt;
  return entry;
}

std::vector<pid_t> list_pids() {
  std::vector<pid_t> pids;
  auto names = list_dir("/proc");
  if (!names) return pids;
  for (const auto& name : *names) {
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (*end == '\0' && pid > 1 && pids.size() < 1000000) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

std::optional<std::string> process_executable(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (ec) return std::nullopt;
  return exe.string();
}

std::optional<std::vector<std::string>> process_arguments(pid_t pid, std::size_t count) {
  if (pid <= 0) return std::nullopt;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline", 64 * 1024);
  if (!cmdline) return std::nullopt;
  std::vector<std::string> args;
  std::size_t start = 0;
  while (args.size() < count && start < cmdline->size()) {
    std::size_t end = cmdline->find('\0', start);
    if (end == std::string::npos) end = cmdline->size();
    args.push_back(cmdline->substr(start, end - start));
    start = end + 1;
  }
  return args;
}

}  // namespace companion::sys

#endif  // __linux__
