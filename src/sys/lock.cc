#include "sys/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sys/fs.h"

namespace companion::sys {

Result<UniqueFd> create_locked_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return make_error("cannot create lock {}: {}", path, errno_text());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return make_error("cannot lock {}: {}", path, errno_text());
  }
  return fd;
}

Result<LockState> probe_lock(const std::string& path) {
  // O_NONBLOCK: a FIFO planted where the lock belongs must not block the reader.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return LockState::kMissing;
    return make_error("cannot open lock {}: {}", path, errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return make_error("refusing lock {}: it is not a regular file", path);
  }
  while (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return LockState::kHeld;
    return make_error("cannot probe lock {}: {}", path, errno_text());
  }
  return LockState::kFree;
}

Status adopt_inherited_lock(int fd, const std::string& path) {
  struct stat held {};
  struct stat expected {};
  if (::fstat(fd, &held) != 0 || ::lstat(path.c_str(), &expected) != 0 ||
      held.st_ino != expected.st_ino || held.st_dev != expected.st_dev) {
    return make_error("descriptor {} is not the lock {}", fd, path);
  }
  // Re-locking our own open file description succeeds; anything else means we do not own it.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return make_error("the lock {} is held by another process", path);
  }
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return make_error("cannot mark the lock {} close-on-exec: {}", path, errno_text());
  }
  return {};
}

}  // namespace companion::sys
