// Watching files and directories: what `logs --follow` waits on, and how a running job notices
// that its workspace was deleted. Linux uses inotify, macOS kqueue (EVFILT_VNODE on the file
// opened with O_EVTONLY); where neither is there or allowed (inotify's per-user limits, no
// descriptor left, COMPANION_PORTABLE_FALLBACKS), waits fall back to sleeping, so callers poll at
// the wait's bound instead.
// Thread-safety: a FileWatch belongs to one thread; the free functions may be called anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

// What identifies a directory (stat's device and inode): a directory deleted and made again
// under the same name is another directory.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  bool operator==(const FileIdentity& other) const = default;
};

// The identity of the directory at `path` (symlinks followed); nullopt when there is none.
std::optional<FileIdentity> directory_identity(const std::string& path);

// Up to `max_bytes` of the regular file at `path` from byte `offset` ("" at or past its end).
// Opened with O_NOFOLLOW | O_NONBLOCK (see Env::read_file). Errors: missing, not regular,
// unreadable.
Result<std::string> read_file_range(const std::string& path, int64_t offset, size_t max_bytes);

// Waits for changes to one file.
class FileWatch {
 public:
  // Watches `path` (writes, attribute changes, deletion, rename); a file that cannot be watched
  // (no inotify or kqueue, limits reached, missing) leaves the watch in polling mode. Never fails.
  static FileWatch open(const std::string& path);

  // Returns once the file changed since the last call, or after `timeout_ms` (in polling mode,
  // always after `timeout_ms`). Returns true when a change was seen.
  bool wait(int timeout_ms);
  bool polling() const { return fd_.get() < 0; }

 private:
  explicit FileWatch(UniqueFd fd, UniqueFd target = UniqueFd())
      : fd_(std::move(fd)), target_(std::move(target)) {}
  UniqueFd fd_;      // the inotify or kqueue descriptor; invalid: polling
  UniqueFd target_;  // kqueue: the watched file itself (O_EVTONLY)
};

}  // namespace companion::sys
