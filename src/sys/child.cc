#include "sys/child.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "sys/fs.h"

namespace companion::sys {

Result<UniqueFd> open_exit_fd(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
  // pidfd_open descriptors are always close-on-exec.
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  return make_error("cannot watch process {}: {}", pid, errno_text());
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
