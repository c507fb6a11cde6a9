#include "sys/path_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::sys {

namespace {

// True when `fd` still is the file at `path` (not one removed by a previous holder).
bool still_the_file(int fd, const std::string& path) {
  struct stat held {
  }, named{};
  if (::fstat(fd, &held) != 0 || ::lstat(path.c_str(), &named) != 0) return false;
  return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

Result<PathLock> PathLock::acquire(const std::string& path, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ms() + timeout_ms;
  for (int delay_us = 1000;; delay_us = std::min(delay_us * 2, 20000)) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return make_error("cannot open the lock {}: {}", path, errno_text());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      if (still_the_file(fd.get(), path)) return PathLock(path, std::move(fd));
      continue;  // the previous holder removed it: lock the new file instead
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return make_error("cannot lock {}: {}", path, errno_text());
    }
    if (monotonic_ms() >= deadline) {
      return make_error("{} stayed locked for more than {} ms", path, timeout_ms);
    }
    ::usleep(static_cast<useconds_t>(delay_us));
  }
}

PathLock& PathLock::operator=(PathLock&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::move(other.fd_);
  }
  return *this;
}

PathLock::~PathLock() {
  release();
}

void PathLock::release() {
  if (!fd_.valid()) return;
  if (still_the_file(fd_.get(), path_)) ::unlink(path_.c_str());
  fd_.reset();
}

}  // namespace companion::sys
