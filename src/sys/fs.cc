#include "sys/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "sys/clock.h"
#include "sys/fd.h"

namespace companion::sys {

std::string errno_text() {
  return strerror(errno);
}

Result<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) {
    return make_error("cannot resolve {}: {}", path, errno_text());
  }
#ifdef __APPLE__
  // The name as the volume stores it (a case-insensitive volume finds /Users/Me/Proj as
  // /Users/me/proj): what the kernel says of the open file. Kept as realpath gave it otherwise.
  UniqueFd fd(::open(buf, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  char stored[PATH_MAX];
  if (fd.valid() && ::fcntl(fd.get(), F_GETPATH, stored) == 0) return std::string(stored);
#endif
  return std::string(buf);
}

bool path_is_within(const std::string& path, const std::string& root) {
  if (path.size() <= root.size() + 1 || path[root.size()] != '/') return false;
  if (path.compare(0, root.size(), root) == 0) return true;
#ifdef _PC_CASE_SENSITIVE
  // macOS: on a case-insensitive volume the names match whatever their case.
  if (::pathconf(root.c_str(), _PC_CASE_SENSITIVE) == 0) {
    return ::strncasecmp(path.c_str(), root.c_str(), root.size()) == 0;
  }
#endif
  return false;
}

namespace {

Status check_existing_dir(const std::string& path, const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    return make_error("refusing {}: it is a symlink where a directory is expected; remove it",
                      path);
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error("refusing {}: it is not a directory; remove it", path);
  }
  if (st.st_uid != ::geteuid()) {
    return make_error("refusing {}: it is owned by uid {}, not by you (uid {})", path, st.st_uid,
                      ::geteuid());
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(
        "refusing {}: other users can access it (mode {:04o}); make it private with `chmod 700 "
        "'{}'` or choose another state directory (CODEX_COMPANION_STATE_DIR)",
        path, st.st_mode & 07777, path);
  }
  return {};
}

}  // namespace

Status check_private_dir(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return make_error("cannot inspect {}: {}", path, errno_text());
  return check_existing_dir(path, st);
}

Status ensure_private_dir(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return check_existing_dir(path, st);
  if (errno != ENOENT) return make_error("cannot inspect {}: {}", path, errno_text());
  std::string parent = dirname_of(path);
  if (parent != path && !path_exists(parent)) {
    // Parents outside the state root (such as ~/.local/state) are created, not tightened.
    COMPANION_TRY(ensure_private_dir(parent));
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("cannot create directory {}: {}", path, errno_text());
  }
  if (::lstat(path.c_str(), &st) != 0)
    return make_error("cannot inspect {}: {}", path, errno_text());
  return check_existing_dir(path, st);
}

namespace {

// Opens `path` for appending without following a symlink or blocking on a FIFO; only a regular
// file is accepted.
Result<UniqueFd> open_regular_for_append(const std::string& path) {
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600));
  if (!fd.valid()) return make_error("cannot open {} for appending: {}", path, errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error("cannot inspect {}: {}", path, errno_text());
  if (!S_ISREG(st.st_mode)) return make_error("refusing {}: it is not a regular file", path);
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace

Result<UniqueFd> open_append(const std::string& path) {
  return open_regular_for_append(path);
}

Result<UniqueFd> data_fd(std::string_view data) {
#ifdef COMPANION_LINUX_MECHANISMS
  UniqueFd fd(::memfd_create("codex-companion-stdin", MFD_CLOEXEC));
#else
  FILE* tmp = ::tmpfile();
  UniqueFd fd(tmp ? ::fcntl(::fileno(tmp), F_DUPFD_CLOEXEC, 0) : -1);
  if (tmp) ::fclose(tmp);
#endif
  if (!fd.valid()) return make_error("cannot create an anonymous file: {}", errno_text());
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error("cannot fill an anonymous file: {}", errno_text());
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) {
    return make_error("cannot rewind an anonymous file: {}", errno_text());
  }
  return fd;
}

Status append_file(const std::string& path, std::string_view data) {
  auto opened = open_regular_for_append(path);
  if (!opened) return opened.error();
  UniqueFd fd = std::move(*opened);
  struct stat st {};
  off_t start = ::fstat(fd.get(), &st) == 0 ? st.st_size : -1;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error = make_error("cannot write to {}: {}", path, errno_text());
      if (done > 0 && start >= 0 && ::fstat(fd.get(), &st) == 0 &&
          st.st_size == start + static_cast<off_t>(done)) {
        (void)::ftruncate(fd.get(), start);
      }
      return error;
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

namespace {

Result<std::string> read_from(int fd, const std::string& path, off_t offset, size_t max_bytes) {
  std::string out;
  char buf[65536];
  while (out.size() < max_bytes) {
    size_t want = std::min(sizeof buf, max_bytes - out.size());
    ssize_t n = ::pread(fd, buf, want, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read {}: {}", path, errno_text());
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

// Opens a regular file for reading without blocking (a FIFO would) and, with Links::kRefuse,
// without following a symlink.
Result<UniqueFd> open_regular_for_read(const std::string& path, Links links, struct stat& st) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (links == Links::kRefuse ? O_NOFOLLOW : 0);
  UniqueFd fd(::open(path.c_str(), flags));
  if (!fd.valid()) {
    if (errno == ELOOP) return make_error("refusing {}: it is a symlink", path);
    return make_error("cannot open {}: {}", path, errno_text());
  }
  if (::fstat(fd.get(), &st) != 0) return make_error("cannot inspect {}: {}", path, errno_text());
  if (!S_ISREG(st.st_mode)) return make_error("refusing {}: it is not a regular file", path);
  return fd;
}

}  // namespace

std::string describe_bytes(size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::optional<std::string>> read_stdin(size_t max_bytes, bool only_if_piped, int wait_ms) {
  if (only_if_piped) {
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode))) {
      return std::optional<std::string>();
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    if (S_ISFIFO(st.st_mode) && ::poll(&pfd, 1, wait_ms) <= 0) return std::optional<std::string>();
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read standard input: {}", errno_text());
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return make_error("standard input is larger than {}", describe_bytes(max_bytes));
    }
  }
  return std::optional<std::string>(std::move(text));
}

namespace {

// Waits until stdin is readable or `deadline_ms` (monotonic) passes; false on the deadline.
bool wait_readable(int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - monotonic_ms();
    if (left <= 0) return false;
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return true;  // let read() report the error
  }
}

}  // namespace

Result<std::string> read_stdin_within(size_t max_bytes, int64_t timeout_ms) {
  if (::isatty(STDIN_FILENO) == 1) return std::string();
  const int64_t deadline = monotonic_ms() + timeout_ms;
  std::string text;
  bool too_large = false;
  char buf[65536];
  for (;;) {
    if (!wait_readable(deadline)) {
      if (too_large) break;
      return make_error("standard input did not end within {} ms", timeout_ms);
    }
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return make_error("cannot read standard input: {}", errno_text());
    if (n == 0) break;
    if (!too_large && text.size() + static_cast<size_t>(n) <= max_bytes) {
      text.append(buf, static_cast<size_t>(n));
    } else if (!too_large) {
      too_large = true;
      text.clear();
      text.shrink_to_fit();
    }
  }
  if (too_large) return make_error("standard input is larger than {}", describe_bytes(max_bytes));
  return text;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes, Links links) {
  struct stat st {};
  auto fd = open_regular_for_read(path, links, st);
  if (!fd) return fd.error();
  auto too_large = [&] {
    return make_error("{} is larger than {}; use a smaller file", path, describe_bytes(max_bytes));
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  // One byte beyond the bound tells a file that grew since fstat apart from one that fits.
  size_t limit = max_bytes == SIZE_MAX ? max_bytes : max_bytes + 1;
  auto text = read_from(fd->get(), path, 0, limit);
  if (text && text->size() > max_bytes) return too_large();
  return text;
}

Status read_in_pieces(const std::string& path, Links links,
                      const std::function<void(std::string_view)>& consume) {
  struct stat st {};
  auto fd = open_regular_for_read(path, links, st);
  if (!fd) return fd.error();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read {}: {}", path, errno_text());
    if (n == 0) return {};
    consume(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Result<std::string> read_tail(const std::string& path, size_t max_bytes, Links links) {
  struct stat st {};
  auto fd = open_regular_for_read(path, links, st);
  if (!fd) return fd.error();
  off_t start = 0;
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    start = st.st_size - static_cast<off_t>(max_bytes);
  }
  return read_from(fd->get(), path, start, max_bytes);
}

Status write_file_atomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return make_error("cannot create {}: {}", tmp, errno_text());
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        auto err = make_error("cannot write {}: {}", tmp, errno_text());
        ::unlink(tmp.c_str());
        return err;
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      auto err = make_error("cannot sync {}: {}", tmp, errno_text());
      ::unlink(tmp.c_str());
      return err;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = make_error("cannot replace {}: {}", path, errno_text());
    ::unlink(tmp.c_str());
    return err;
  }
  return {};
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

Result<FileStamp> file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error("cannot stat {}: {}", path, errno_text());
  FileStamp id;
  id.device = static_cast<uint64_t>(st.st_dev);
  id.inode = static_cast<uint64_t>(st.st_ino);
  id.size = static_cast<int64_t>(st.st_size);
#ifdef __APPLE__
  const struct timespec& modified = st.st_mtimespec;
#else
  const struct timespec& modified = st.st_mtim;
#endif
  id.modified_ns = static_cast<int64_t>(modified.tv_sec) * 1000000000 + modified.tv_nsec;
  return id;
}

bool regular_or_missing(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  return S_ISREG(st.st_mode);
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return make_error("cannot list {}: {}", path, errno_text());
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  return names;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return make_error("cannot remove {}: {}", path, errno_text());
  }
  return {};
}

std::string dirname_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string basename_of(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto pos = p.find_last_of('/');
  return pos == std::string::npos ? p : p.substr(pos + 1);
}

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

}  // namespace companion::sys
