#include "sys/child.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "sys/fs.h"
#include "sys/platform.h"

#if defined(COMPANION_LINUX_MECHANISMS)
#include <sys/syscall.h>
#elif defined(__APPLE__)
#include <sys/event.h>
#endif

namespace companion::sys {

Result<pid_t> spawn_supervised(const SpawnOptions& options) {
  return spawn(options);
}

Status signal_supervised_group(pid_t pgid, int sig) {
  return signal_group(pgid, sig);
}

Result<UniqueFd> open_exit_fd(pid_t pid) {
#if defined(COMPANION_LINUX_MECHANISMS) && defined(SYS_pidfd_open)
  // pidfd_open descriptors are always close-on-exec.
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  return make_error("cannot watch process {}: {}", pid, errno_text());
#elif defined(__APPLE__)
  // A kqueue with one EVFILT_PROC NOTE_EXIT filter: readable once the child exits (kqueues are
  // never inherited by a child, so close-on-exec holds too).
  UniqueFd kq(::kqueue());
  if (!kq.valid()) return make_error("cannot watch process {}: kqueue: {}", pid, errno_text());
  struct kevent change {};
  EV_SET(&change, static_cast<uintptr_t>(pid), EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0,
         nullptr);
  if (::kevent(kq.get(), &change, 1, nullptr, 0, nullptr) != 0) {
    return make_error("cannot watch process {}: kevent EVFILT_PROC: {}", pid, errno_text());
  }
  return kq;
#else
  return make_error("cannot watch process {}: not supported on this platform", pid);
#endif
}

bool process_group_alive(pid_t pgid) {
  if (pgid <= 1) return false;
  return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

void ignore_sigpipe() {
  struct sigaction action = {};
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGPIPE, &action, nullptr);
}

}  // namespace companion::sys
