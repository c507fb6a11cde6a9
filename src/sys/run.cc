#include "sys/run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include <cstdint>

#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace companion::sys {

bool RunResult::success() const {
  return exit_code() == 0;
}

int RunResult::exit_code() const {
  if (timed_out || !WIFEXITED(wait_status)) return -1;
  return WEXITSTATUS(wait_status);
}

std::string RunResult::describe() const {
  if (timed_out) return "timed out";
  return describe_wait_status(wait_status);
}

namespace {

// Accumulates one output stream within its bound.
struct Sink {
  std::string data;
  size_t limit = 0;
  bool keep_tail = false;  // stderr keeps its tail, stdout its head
  bool overflowed = false;

  void add(const char* bytes, size_t n) {
    if (keep_tail) {
      data.append(bytes, n);
      if (data.size() > 2 * limit + 65536) data.erase(0, data.size() - limit);
      return;
    }
    size_t room = limit > data.size() ? limit - data.size() : 0;
    if (n > room) overflowed = true;
    data.append(bytes, n < room ? n : room);
  }
  void finish() {
    if (keep_tail && data.size() > limit) data.erase(0, data.size() - limit);
  }
};

// Blocks until `pid` is reaped; SIGKILL has been sent, so this cannot wait long.
int reap_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 0;
  }
  return status;
}

// Reads from both pipes until both close, the deadline passes, or (with kill_on_overflow)
// stdout overflows. Returns false when the command has to be killed.
Result<bool> pump(UniqueFd& out, UniqueFd& err, Sink& out_sink, Sink& err_sink, int64_t deadline,
                  bool kill_on_overflow, bool& timed_out) {
  char buf[65536];
  while (out.valid() || err.valid()) {
    int64_t remaining = deadline - monotonic_ms();
    if (remaining <= 0) {
      timed_out = true;
      return false;
    }
    pollfd fds[2];
    UniqueFd* owners[2];
    nfds_t count = 0;
    for (UniqueFd* fd : {&out, &err}) {
      if (!fd->valid()) continue;
      fds[count] = pollfd{fd->get(), POLLIN, 0};
      owners[count++] = fd;
    }
    int ready = ::poll(fds, count, static_cast<int>(remaining < INT_MAX ? remaining : INT_MAX));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return make_error("cannot wait for command output: {}", errno_text());
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        owners[i]->reset();
        continue;
      }
      (owners[i] == &out ? out_sink : err_sink).add(buf, static_cast<size_t>(n));
    }
    if (kill_on_overflow && out_sink.overflowed) return false;
  }
  return true;
}

}  // namespace

Result<RunResult> run_command(const RunOptions& options) {
  auto out_pipe = make_pipe();
  if (!out_pipe) return out_pipe.error();
  auto err_pipe = make_pipe();
  if (!err_pipe) return err_pipe.error();
  auto& [out_read, out_write] = *out_pipe;
  auto& [err_read, err_write] = *err_pipe;

  SpawnOptions spawn_options;
  spawn_options.argv = options.argv;
  spawn_options.cwd = options.cwd;
  spawn_options.env = options.env;
  spawn_options.stdin_fd = options.stdin_fd;
  spawn_options.stdout_fd = out_write.get();
  spawn_options.stderr_fd = err_write.get();
  spawn_options.new_process_group = true;
  spawn_options.die_with_parent = true;
  int64_t deadline = monotonic_ms() + (options.timeout_ms > 0 ? options.timeout_ms : 0);
  auto pid = spawn(spawn_options);
  if (!pid) return pid.error();
  out_write.reset();
  err_write.reset();

  RunResult result;
  Sink out_sink{{}, options.max_stdout_bytes, false, false};
  Sink err_sink{{}, options.max_stderr_bytes, true, false};
  auto pumped = pump(out_read, err_read, out_sink, err_sink, deadline, options.kill_on_overflow,
                     result.timed_out);
  bool finished = pumped.ok() && *pumped;
  if (finished) {
    // Both pipes closed; the command normally exits right after. Wait for the rest of the budget.
    int64_t remaining = deadline - monotonic_ms();
    auto status = reap_within(*pid, static_cast<int>(remaining > 0 ? remaining : 0));
    if (status) {
      result.wait_status = *status;
    } else {
      result.timed_out = true;
      finished = false;
    }
  }
  if (!finished) {
    (void)signal_group(*pid, SIGKILL);
    result.wait_status = reap_blocking(*pid);
  }
  if (!pumped) return pumped.error();
  out_sink.finish();
  err_sink.finish();
  result.out = std::move(out_sink.data);
  result.stdout_truncated = out_sink.overflowed;
  result.err_tail = std::move(err_sink.data);
  return result;
}

Result<std::string> executable_path() {
#ifdef __APPLE__
  char buf[PATH_MAX];
  uint32_t size = sizeof buf;
  if (_NSGetExecutablePath(buf, &size) != 0) return make_error("executable path is too long");
  return real_path(buf);
#else
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) return make_error("cannot find the running executable: {}", errno_text());
  std::string path(buf, static_cast<size_t>(n));
  // Replaced while this process ran (an update: the new file renamed over the old one): Linux
  // names the old inode "<path> (deleted)"; the program at <path> now is the one to start.
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) {
    std::string now = path.substr(0, path.size() - kDeleted.size());
    if (::access(now.c_str(), X_OK) == 0) return now;
  }
  return path;
#endif
}

}  // namespace companion::sys
