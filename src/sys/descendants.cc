// What a process started, and ending it: end_session, live_descendants, end_descendants and
// become_subreaper of sys/process.h.
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/parent_watch.h"
#include "sys/platform.h"
#include "sys/process.h"
#include "sys/process_table.h"

#ifdef COMPANION_LINUX_MECHANISMS
#include <sys/prctl.h>
#endif

namespace companion::sys {

namespace {

struct Member {
  pid_t pid = 0;
  ProcessEntry entry;
};

// One scan of the table: every process with its entry.
std::vector<Member> scan() {
  std::vector<Member> table;
  for (pid_t pid : list_pids()) {
    if (auto entry = process_entry(pid)) table.push_back({pid, *entry});
  }
  return table;
}

// Sessions of children started with die_with_parent (and a new session): (leader, start time).
std::mutex g_sessions_mutex;
std::vector<std::pair<pid_t, uint64_t>> g_sessions;  // guarded by g_sessions_mutex; at most 256

// True when session `sid` is one this process started and still ours: its leader gone (the id
// stays allocated while members remain) or alive with the recorded start time.
bool is_started_session(const std::vector<Member>& table, pid_t sid) {
  std::lock_guard lock(g_sessions_mutex);
  for (const auto& [leader, start_time] : g_sessions) {
    if (leader != sid) continue;
    auto it = std::find_if(table.begin(), table.end(),
                           [sid](const Member& m) { return m.pid == sid && !m.entry.zombie; });
    return it == table.end() || it->entry.start_time == start_time;
  }
  return false;
}

}  // namespace

void record_started_session(pid_t leader) {
  auto start = process_start_time(leader);
  std::lock_guard lock(g_sessions_mutex);
  if (g_sessions.size() >= 256) g_sessions.erase(g_sessions.begin());
  g_sessions.emplace_back(leader, start.value_or(0));
}

int end_session(pid_t leader, uint64_t start_time) {
  if (leader <= 1) return 0;
  // One scan decides: the members of session `leader`, and whether its leader is among them.
  // Deciding from one snapshot closes the race where the leader's pid is recycled, between two
  // looks, by a new process that starts a session of its own.
  std::vector<pid_t> members;
  std::optional<uint64_t> live_leader;  // the start time of a live process `leader` in it
  for (const auto& m : scan()) {
    if (m.entry.sid != leader) continue;
    if (m.pid == leader && !m.entry.zombie) live_leader = m.entry.start_time;
    members.push_back(m.pid);
  }
  // A live leader is ours only when it is the very process that was recorded.
  if (live_leader && (start_time == 0 || *live_leader != start_time)) return 0;
  int count = 0;
  for (pid_t pid : members) count += ::kill(pid, SIGKILL) == 0 ? 1 : 0;
  return count;
}

Status become_subreaper() {
#ifdef COMPANION_LINUX_MECHANISMS
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return make_error("cannot become the reaper of orphaned descendants: {}", errno_text());
  }
#endif
  return {};
}

std::vector<pid_t> live_descendants(const std::function<bool(pid_t)>& independent) {
  std::vector<Member> table = scan();
  std::vector<pid_t> found;
  std::vector<pid_t> frontier = {::getpid()};
  // Without a subreaper an orphan's parent is init: the members of this process's own session
  // (when it leads one) and of the sessions its dying-with-it children lead are its work too.
  if (!kLinuxMechanisms) {
    pid_t self = ::getpid();
    bool leads_session = ::getsid(0) == self;
    for (const auto& m : table) {
      if (m.pid == self || m.entry.zombie) continue;
      if ((leads_session && m.entry.sid == self) || is_started_session(table, m.entry.sid)) {
        if (independent && independent(m.pid)) continue;
        found.push_back(m.pid);
        frontier.push_back(m.pid);
      }
    }
  }
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& m : table) {
      if (m.entry.zombie || m.entry.ppid != parent) continue;
      if (std::find(found.begin(), found.end(), m.pid) != found.end()) continue;
      if (independent && independent(m.pid)) continue;  // not ours, nor is what it started
      found.push_back(m.pid);
      frontier.push_back(m.pid);
    }
  }
  return found;
}

int end_descendants(int grace_ms, const std::function<bool(pid_t)>& independent) {
  auto reap_children = [] {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) release_guardian(pid);
  };
  std::vector<pid_t> first = live_descendants(independent);
  if (first.empty()) {
    reap_children();
    return 0;
  }
  for (pid_t pid : first) (void)::kill(pid, SIGTERM);
  int64_t deadline = monotonic_ms() + grace_ms;
  std::vector<pid_t> left = first;
  for (int delay_us = 500; !left.empty() && monotonic_ms() < deadline;
       delay_us = std::min(delay_us * 2, 20000)) {
    reap_children();
    ::usleep(static_cast<useconds_t>(delay_us));
    left = live_descendants(independent);
  }
  // New descendants may have appeared meanwhile (a child forking on SIGTERM): they go too.
  for (pid_t pid : left) (void)::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !live_descendants(independent).empty(); ++i) {
    reap_children();
    ::usleep(2000);
  }
  reap_children();
  return static_cast<int>(first.size());
}

}  // namespace companion::sys
