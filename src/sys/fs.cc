#include "sys/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  return std::string(buf);
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
  if ((st.st_mode & 0777) != 0700 && ::chmod(path.c_str(), 0700) != 0) {
    return make_error("cannot restrict {} to mode 0700: {}", path, errno_text());
  }
  return {};
}

}  // namespace

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

Status append_file(const std::string& path, const std::string& data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return make_error("cannot open {} for appending: {}", path, errno_text());
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
Result<std::string> read_from(int fd, const std::string& path, off_t offset) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read {}: {}", path, errno_text());
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}
}  // namespace

Result<std::string> read_file(const std::string& path) {
  return read_tail(path, SIZE_MAX);
}

Result<std::string> read_tail(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return make_error("cannot open {}: {}", path, errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error("cannot inspect {}: {}", path, errno_text());
  off_t start = 0;
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    start = st.st_size - static_cast<off_t>(max_bytes);
  }
  return read_from(fd.get(), path, start);
}

Status write_file_atomic(const std::string& path, const std::string& data) {
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
