#include "sys/file_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "sys/fs.h"
#include "sys/platform.h"

#if defined(COMPANION_LINUX_MECHANISMS)
#include <sys/inotify.h>
#elif defined(__APPLE__)
#include <sys/event.h>
#endif

namespace companion::sys {

std::optional<FileIdentity> directory_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

Result<std::string> read_file_range(const std::string& path, int64_t offset, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) return make_error("cannot open {}: {}", path, errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error("cannot read {}: {}", path, errno_text());
  if (!S_ISREG(st.st_mode)) return make_error("{} is not a regular file", path);
  std::string out;
  if (offset < 0 || offset >= st.st_size) return out;
  out.resize(std::min<size_t>(max_bytes, static_cast<size_t>(st.st_size - offset)));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + got, out.size() - got,
                        static_cast<off_t>(offset + static_cast<int64_t>(got)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read {}: {}", path, errno_text());
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

FileWatch FileWatch::open(const std::string& path) {
#if defined(COMPANION_LINUX_MECHANISMS)
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (fd.get() >= 0 && ::inotify_add_watch(fd.get(), path.c_str(),
                                           IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF |
                                               IN_MOVE_SELF) >= 0) {
    return FileWatch(std::move(fd));
  }
#elif defined(__APPLE__)
  UniqueFd target(::open(path.c_str(), O_EVTONLY | O_CLOEXEC));
  UniqueFd kq(target.valid() ? ::kqueue() : -1);
  if (kq.valid()) {
    struct kevent change {};
    EV_SET(&change, static_cast<uintptr_t>(target.get()), EVFILT_VNODE, EV_ADD | EV_CLEAR,
           NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_DELETE | NOTE_RENAME | NOTE_REVOKE, 0,
           nullptr);
    if (::kevent(kq.get(), &change, 1, nullptr, 0, nullptr) == 0) {
      return FileWatch(std::move(kq), std::move(target));
    }
  }
#else
  (void)path;
#endif
  return FileWatch(UniqueFd());
}

namespace {

void sleep_for(int timeout_ms) {
  struct timespec ts {
    timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L
  };
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

bool FileWatch::wait(int timeout_ms) {
  if (timeout_ms < 0) timeout_ms = 0;
  if (polling()) {
    sleep_for(timeout_ms);
    return false;
  }
#if defined(__APPLE__)
  // Every queued change comes back in one call (EV_CLEAR): one wake-up per batch of writes.
  struct kevent events[8];
  struct timespec ts {
    timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L
  };
  int n = ::kevent(fd_.get(), nullptr, 0, events, 8, &ts);
  return n > 0;
#else
  struct pollfd p {
    fd_.get(), POLLIN, 0
  };
  int ready = ::poll(&p, 1, timeout_ms);
  if (ready <= 0) return false;
  // Drain every queued event: one wake-up per batch of writes.
  std::array<char, 4096> buffer{};
  bool any = false;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return any;
#endif
}

}  // namespace companion::sys
