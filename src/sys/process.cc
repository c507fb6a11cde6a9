#include "sys/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>

#include "sys/clock.h"
#include "sys/fs.h"

extern char** environ;

namespace companion::sys {

namespace {

bool is_executable_file(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0 && !is_directory(path);
}

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return path;
  return path.empty() ? std::string(buf) : join_path(buf, path);
}

}  // namespace

Result<std::string> find_executable(const std::string& name,
                                    const std::optional<std::string>& path_var) {
  if (name.empty()) return make_error("no program name given");
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return absolute_path(name);
    return make_error("{} is not an executable file", name);
  }
  std::string path;
  if (path_var) {
    path = *path_var;
  } else {
    const char* path_env = ::getenv("PATH");
    path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    // An empty PATH entry means the current directory.
    std::string candidate = join_path(path.substr(start, end - start), name);
    if (is_executable_file(candidate)) return absolute_path(candidate);
    start = end + 1;
  }
  return make_error("{} was not found on PATH", name);
}

namespace {

std::vector<std::string> build_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : overrides) overridden = overridden || k == key;
    if (!overridden) env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : overrides) {
    std::string entry;
    entry.reserve(k.size() + 1 + v.size());
    entry.append(k).push_back('=');
    entry.append(v);
    env.push_back(std::move(entry));
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void mark_all_cloexec_from(int first) {
#if defined(__linux__) && defined(SYS_close_range)
  if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = first; fd < max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// The umask the process started with (prepare_process), -1 until then.
std::atomic<int> g_user_umask{-1};

// Runs in the child between fork and exec: async-signal-safe calls only. `mask` < 0: the umask
// is left as it is.
[[noreturn]] void exec_child(const SpawnOptions& o, const char* exe, char** argv, char** envp,
                             int error_fd, pid_t parent, int mask) {
  auto fail = [error_fd]() {  // reports errno to the parent and ends the child
    int err = errno;
    (void)!::write(error_fd, &err, sizeof err);
    ::_exit(127);
  };
  if (o.new_session) {
    if (::setsid() < 0) fail();
  } else if (o.new_process_group) {
    if (::setpgid(0, 0) < 0) fail();
  }
#ifdef __linux__
  if (o.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail();
    if (::getppid() != parent) ::_exit(127);
  }
#else
  (void)parent;
#endif
  // Map every wanted descriptor above the range of targets first, so no source is clobbered.
  constexpr int kScratch = 512;
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) fail();
  int std_src[3] = {o.stdin_fd, o.stdout_fd, o.stderr_fd};
  int std_tmp[3];
  for (int i = 0; i < 3; ++i) {
    std_tmp[i] = ::fcntl(std_src[i] >= 0 ? std_src[i] : null_fd, F_DUPFD, kScratch);
    if (std_tmp[i] < 0) fail();
  }
  int keep_tmp[16];
  size_t keep_count = o.keep_fds.size() < 16 ? o.keep_fds.size() : 16;
  for (size_t i = 0; i < keep_count; ++i) {
    keep_tmp[i] = ::fcntl(o.keep_fds[i].first, F_DUPFD, kScratch);
    if (keep_tmp[i] < 0) fail();
  }
  mark_all_cloexec_from(3);
  for (int i = 0; i < 3; ++i) {
    if (::dup2(std_tmp[i], i) < 0) fail();
  }
  for (size_t i = 0; i < keep_count; ++i) {
    if (::dup2(keep_tmp[i], o.keep_fds[i].second) < 0) fail();
  }
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) fail();
  if (mask >= 0) ::umask(static_cast<mode_t>(mask));
  // Default dispositions first, then unblock (the parent blocked everything around fork).
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(exe, argv, envp);
  fail();
  ::_exit(127);
}

}  // namespace

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error("cannot create a pipe: {}", errno_text());
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Result<pid_t> spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return make_error("cannot start a process without a program");
  if (options.keep_fds.size() > 16) return make_error("too many descriptors to hand over");
  auto exe = find_executable(options.argv[0]);
  if (!exe) return exe.error();
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = build_environment(options.env);
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);
  auto pipe = make_pipe();
  if (!pipe) return pipe.error();
  auto& [err_read, err_write] = *pipe;
  pid_t parent = ::getpid();
  int mask = options.umask ? static_cast<int>(*options.umask) : g_user_umask.load();
  // No signal handler of the parent may run in the child between fork and exec.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ::fork();
  if (pid == 0)
    exec_child(options, exe->c_str(), argv.data(), envp.data(), err_write.get(), parent, mask);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return make_error("cannot start {}: {}", options.argv[0], strerror(fork_errno));
  err_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return make_error("cannot start {}: {}", *exe, strerror(child_errno));
  }
  return pid;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!text) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 > text->size()) return std::nullopt;
  std::istringstream rest(text->substr(close + 2));
  ProcStat st;
  long ppid = 0, pgid = 0, sid = 0;
  if (!(rest >> st.state >> ppid >> pgid >> sid)) return std::nullopt;
  st.ppid = static_cast<pid_t>(ppid);
  st.pgid = static_cast<pid_t>(pgid);
  st.sid = static_cast<pid_t>(sid);
  std::string field;
  // Fields 7..21 precede the start time (field 22).
  for (int i = 7; i <= 21; ++i) rest >> field;
  if (!(rest >> st.start_time)) return std::nullopt;
  return st;
}

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto st = read_proc_stat(pid);
  if (!st || st->state == 'Z') return std::nullopt;
  return st->start_time;
}

bool process_matches(pid_t pid, uint64_t start_time) {
  auto actual = process_start_time(pid);
  if (!actual) return false;
  return start_time == 0 || *actual == start_time;
}

Status signal_process(pid_t pid, int sig) {
  if (pid <= 0) return make_error("refusing to signal process {}", pid);
  if (::kill(pid, sig) != 0 && errno != ESRCH) {
    return make_error("cannot signal process {}: {}", pid, errno_text());
  }
  return {};
}

namespace {

// The pids in /proc (every process of the machine that this one may see).
std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  auto names = list_dir("/proc");
  if (!names) return pids;
  for (const auto& name : *names) {
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (*end == '\0' && pid > 1) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

}  // namespace

int end_session(pid_t leader, uint64_t start_time) {
  if (leader <= 1) return 0;
  // One scan decides: the members of session `leader`, and whether its leader is among them.
  // Deciding from one snapshot closes the race where the leader's pid is recycled, between two
  // looks, by a new process that starts a session of its own.
  std::vector<pid_t> members;
  std::optional<uint64_t> live_leader;  // the start time of a live process `leader` in it
  for (pid_t pid : all_pids()) {
    auto st = read_proc_stat(pid);
    if (!st || st->sid != leader) continue;
    if (pid == leader && st->state != 'Z') live_leader = st->start_time;
    members.push_back(pid);
  }
  // A live leader is ours only when it is the very process that was recorded.
  if (live_leader && (start_time == 0 || *live_leader != start_time)) return 0;
  int count = 0;
  for (pid_t pid : members) count += ::kill(pid, SIGKILL) == 0 ? 1 : 0;
  return count;
}

Status become_subreaper() {
#ifdef __linux__
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return make_error("cannot become the reaper of orphaned descendants: {}", errno_text());
  }
  return {};
#else
  return make_error("this platform cannot adopt orphaned descendants");
#endif
}

bool is_own_session_leader_running(pid_t pid, std::string_view first_argument) {
  auto st = read_proc_stat(pid);
  if (!st || st->sid != pid) return false;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (ec) return false;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe != self) return false;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline", 4096);
  if (!cmdline) return false;
  size_t first_end = cmdline->find('\0');
  if (first_end == std::string::npos) return false;
  size_t second_end = cmdline->find('\0', first_end + 1);
  return cmdline->substr(first_end + 1, second_end - first_end - 1) == first_argument;
}

std::vector<pid_t> live_descendants(const std::function<bool(pid_t)>& independent) {
  std::vector<std::pair<pid_t, pid_t>> links;  // (pid, ppid) of live processes
  for (pid_t pid : all_pids()) {
    auto st = read_proc_stat(pid);
    if (st && st->state != 'Z') links.emplace_back(pid, st->ppid);
  }
  std::vector<pid_t> found;
  std::vector<pid_t> frontier = {::getpid()};
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& [pid, ppid] : links) {
      if (ppid == parent && std::find(found.begin(), found.end(), pid) == found.end()) {
        if (independent && independent(pid)) continue;  // not ours, nor is what it started
        found.push_back(pid);
        frontier.push_back(pid);
      }
    }
  }
  return found;
}

int end_descendants(int grace_ms, const std::function<bool(pid_t)>& independent) {
  auto reap_children = [] {
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
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

Status signal_group(pid_t pgid, int sig) {
  if (pgid <= 1) return make_error("refusing to signal process group {}", pgid);
  if (::kill(-pgid, sig) != 0 && errno != ESRCH) {
    return make_error("cannot signal process group {}: {}", pgid, errno_text());
  }
  return {};
}

void prepare_process() {
  mode_t started_with = ::umask(077);
  g_user_umask.store(static_cast<int>(started_with));
  ::signal(SIGPIPE, SIG_IGN);
}

std::optional<mode_t> user_umask() {
  int mask = g_user_umask.load();
  if (mask < 0) return std::nullopt;
  return static_cast<mode_t>(mask);
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return status;
  return std::nullopt;
}

std::optional<int> reap_within(pid_t pid, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (int delay_us = 200;; delay_us = delay_us < 20000 ? delay_us * 2 : 20000) {
    if (auto status = try_reap(pid)) return status;
    if (monotonic_ms() >= deadline) return std::nullopt;
    ::usleep(static_cast<useconds_t>(delay_us));
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace companion::sys
