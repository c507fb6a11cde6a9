#include "sys/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace companion::sys {

namespace {

std::atomic<bool> g_stop{false};
int g_pipe[2] = {-1, -1};

void record_stop(int /*signal*/) {
  int saved = errno;
  g_stop.store(true);
  if (g_pipe[1] >= 0) {
    char byte = 1;
    // The pipe is non-blocking: once it holds a byte, later writes may fail; it stays readable.
    (void)!::write(g_pipe[1], &byte, 1);
  }
  errno = saved;
}

void make_pipe_once() {
  if (g_pipe[0] >= 0) return;
  int fds[2];
  if (::pipe(fds) != 0) return;  // the flag still records the stop
  for (int fd : fds) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  g_pipe[0] = fds[0];
  g_pipe[1] = fds[1];
  if (g_stop.load()) record_stop(0);
}

}  // namespace

void install_stop_handlers() {
  make_pipe_once();
  struct sigaction action {};
  action.sa_handler = record_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() {
  return g_stop.load();
}

int stop_fd() {
  return g_pipe[0];
}

}  // namespace companion::sys
