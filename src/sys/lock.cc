#include "sys/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

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
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return LockState::kMissing;
    return make_error("cannot open lock {}: {}", path, errno_text());
  }
  while (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return LockState::kHeld;
    return make_error("cannot probe lock {}: {}", path, errno_text());
  }
  return LockState::kFree;
}

}  // namespace companion::sys
