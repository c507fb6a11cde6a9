// An exclusive lock on a file that exists only while it is held: the holder removes the file when
// it lets go, so nothing is left behind. Used so that two companions starting the workspace's
// broker at once start one. Waiters that opened the file before it was removed notice (their
// descriptor no longer names the path) and try again.
#pragma once

#include <cstdint>
#include <string>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

class PathLock {
 public:
  // Waits up to `timeout_ms` for the lock on `path` (created 0600, never through a symlink). The
  // error says who holds it when the wait timed out.
  static Result<PathLock> acquire(const std::string& path, int64_t timeout_ms);

  PathLock(PathLock&& other) noexcept = default;
  PathLock& operator=(PathLock&& other) noexcept;
  PathLock(const PathLock&) = delete;
  PathLock& operator=(const PathLock&) = delete;
  // Releases: removes the file, then drops the lock.
  ~PathLock();

 private:
  PathLock(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  void release();

  std::string path_;
  UniqueFd fd_;
};

}  // namespace companion::sys
