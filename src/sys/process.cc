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

#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/parent_watch.h"
#include "sys/platform.h"
#include "sys/process_table.h"

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
#if defined(COMPANION_LINUX_MECHANISMS) && defined(SYS_close_range)
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
#ifdef COMPANION_LINUX_MECHANISMS
  if (o.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail();
    if (::getppid() != parent) ::_exit(127);
  }
#else
  (void)parent;  // elsewhere a guardian does it (sys/parent_watch.h), started by the parent
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
#ifdef COMPANION_LINUX_MECHANISMS
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error("cannot create a pipe: {}", errno_text());
#else
  // No pipe2: a spawn() in another thread between these calls still closes every descriptor
  // above 2 in its child (mark_all_cloexec_from), so only a bare fork could inherit them.
  if (::pipe(fds) != 0) return make_error("cannot create a pipe: {}", errno_text());
  for (int fd : fds) (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
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
  if (!kLinuxMechanisms && options.die_with_parent) {
    if (options.new_session) record_started_session(pid);
    if (Status guarded = guard_child(pid); !guarded.ok()) {
      (void)::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      return guarded.error();
    }
  }
  return pid;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  auto entry = process_entry(pid);
  if (!entry) return std::nullopt;
  ProcStat st;
  st.state = entry->zombie ? 'Z' : 'R';
  st.ppid = entry->ppid;
  st.pgid = entry->pgid;
  st.sid = entry->sid;
  st.start_time = entry->start_time;
  return st;
}

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto entry = process_entry(pid);
  if (!entry || entry->zombie) return std::nullopt;
  return entry->start_time;
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

bool is_own_session_leader_running(pid_t pid, std::string_view first_argument) {
  auto entry = process_entry(pid);
  if (!entry || entry->sid != pid) return false;
  auto exe = process_executable(pid);
  if (!exe || exe != process_executable(::getpid())) return false;
  auto args = process_arguments(pid, 2);
  return args && args->size() == 2 && (*args)[1] == first_argument;
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

int reap_exited_children_except(pid_t keep) {
  int reaped = 0;
  for (;;) {
    siginfo_t info{};
    // WNOWAIT: look first, so `keep` stays for its owner to reap.
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return reaped;
    if (info.si_pid == 0 || info.si_pid == keep) return reaped;
    if (::waitpid(info.si_pid, nullptr, WNOHANG) == info.si_pid) {
      release_guardian(info.si_pid);
      ++reaped;
    }
  }
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
  if (r != pid) return std::nullopt;
  release_guardian(pid);
  return status;
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
