#include "sys/parent_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace companion::sys {

namespace {

struct Guardian {
  pid_t child = 0;
  pid_t guardian = 0;
  int write_fd = -1;
};

std::mutex g_mutex;
std::vector<Guardian> g_guardians;  // guarded by g_mutex

// Runs in the guardian after fork: async-signal-safe calls only.
[[noreturn]] void guard(int read_fd, pid_t child, long max_fd) {
  for (int fd = 0; fd < max_fd; ++fd) {
    if (fd != read_fd) ::close(fd);
  }
  // The terminal's signals reach the whole foreground group: a Ctrl-C or a hang-up is for the
  // parent, which may die of it, and then the guardian must still be there. SIGTERM ends it.
  for (int sig = 1; sig < NSIG; ++sig) {
    bool terminal = sig == SIGINT || sig == SIGHUP || sig == SIGQUIT || sig == SIGTSTP ||
                    sig == SIGTTIN || sig == SIGTTOU;
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, terminal ? SIG_IGN : SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(read_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {  // the parent is gone: so goes the child, and the group it leads
    (void)::kill(-child, SIGKILL);
    (void)::kill(child, SIGKILL);
  }
  ::_exit(0);
}

}  // namespace

Status guard_child(pid_t child) {
  auto pipe = make_pipe();
  if (!pipe) return pipe.error();
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ::fork();
  if (pid == 0) guard(pipe->first.get(), child, max_fd);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    errno = fork_errno;
    return make_error("cannot start the guardian of process {}: {}", child, errno_text());
  }
  std::lock_guard lock(g_mutex);
  g_guardians.push_back({child, pid, pipe->second.release()});
  return {};
}

void release_guardian(pid_t child) {
  Guardian found;
  {
    std::lock_guard lock(g_mutex);
    for (auto it = g_guardians.begin(); it != g_guardians.end(); ++it) {
      if (it->child == child) {
        found = *it;
        g_guardians.erase(it);
        break;
      }
    }
  }
  if (found.guardian <= 0) return;
  char byte = 1;
  (void)!::write(found.write_fd, &byte, 1);
  ::close(found.write_fd);
  // It exits at once; a guardian already ended (SIGTERM from end_descendants) is reaped too.
  int status = 0;
  int64_t deadline = monotonic_ms() + 1000;
  while (::waitpid(found.guardian, &status, WNOHANG) == 0 && monotonic_ms() < deadline) {
    ::usleep(1000);
  }
}

void forget_guardians_after_fork() {
  std::lock_guard lock(g_mutex);
  for (const auto& g : g_guardians) ::close(g.write_fd);
  g_guardians.clear();
}

}  // namespace companion::sys
