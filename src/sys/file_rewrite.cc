#include "sys/file_rewrite.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "sys/fd.h"
#include "sys/fs.h"

namespace companion::sys {

namespace {

constexpr int kAttempts = 3;

// What was read, and how to recognise the same file, unchanged, before the rename.
struct Snapshot {
  bool existed = false;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  mode_t mode = 0;
  std::string contents;
  UniqueFd fd;  // open while the new file is written: its size tells an append apart
};

Result<std::string> read_all(int fd, const std::string& path, size_t max_bytes) {
  std::string out;
  char buf[65536];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read {}: {}", path, errno_text());
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
    if (out.size() > max_bytes) {
      return make_error("refusing {}: it is larger than {}", path, describe_bytes(max_bytes));
    }
  }
}

Result<Snapshot> take_snapshot(const std::string& path, size_t max_bytes) {
  Snapshot snap;
  snap.fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!snap.fd.valid()) {
    if (errno == ENOENT) return snap;
    if (errno == ELOOP) return make_error("refusing {}: it is a symlink", path);
    return make_error("cannot open {}: {}", path, errno_text());
  }
  struct stat st {};
  if (::fstat(snap.fd.get(), &st) != 0) {
    return make_error("cannot inspect {}: {}", path, errno_text());
  }
  if (!S_ISREG(st.st_mode)) return make_error("refusing {}: it is not a regular file", path);
  if (st.st_uid != ::geteuid()) {
    return make_error("refusing {}: it is owned by uid {}, not by you (uid {})", path, st.st_uid,
                      ::geteuid());
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return make_error("refusing {}: it is larger than {}", path, describe_bytes(max_bytes));
  }
  auto contents = read_all(snap.fd.get(), path, max_bytes);
  if (!contents) return contents.error();
  snap.existed = true;
  snap.dev = st.st_dev;
  snap.ino = st.st_ino;
  snap.size = static_cast<off_t>(contents->size());
  snap.mode = st.st_mode & 0777;
  snap.contents = std::move(*contents);
  return snap;
}

// True while `path` is still the file `snap` read, with nothing added since.
bool unchanged(const std::string& path, const Snapshot& snap) {
  struct stat now {};
  if (::lstat(path.c_str(), &now) != 0) return !snap.existed && errno == ENOENT;
  if (!snap.existed) return false;
  struct stat open_now {};
  if (::fstat(snap.fd.get(), &open_now) != 0) return false;
  return now.st_dev == snap.dev && now.st_ino == snap.ino && open_now.st_size == snap.size;
}

Status write_synced(const std::string& tmp, std::string_view data, mode_t mode) {
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid() && errno == EEXIST) {  // left by a process of the same pid that was killed
    (void)::unlink(tmp.c_str());
    fd.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  }
  if (!fd.valid()) return make_error("cannot create {}: {}", tmp, errno_text());
  if (::fchmod(fd.get(), mode) != 0) return make_error("cannot chmod {}: {}", tmp, errno_text());
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot write {}: {}", tmp, errno_text());
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return make_error("cannot sync {}: {}", tmp, errno_text());
  return {};
}

}  // namespace

Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                    const FileEdit& edit) {
  // fmt rather than `"." + std::string&&`: GCC 12 at -O2 reports a false -Wrestrict inside
  // basic_string::insert for that form (GCC bug 105329).
  const std::string tmp =
      join_path(dirname_of(path), fmt::format(".{}.{}.tmp", basename_of(path), ::getpid()));
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto snap = take_snapshot(path, max_bytes);
    if (!snap) return snap.error();
    std::string contents = edit(snap->contents);
    if (snap->existed && contents == snap->contents) return {};
    Status written = write_synced(tmp, contents, snap->existed ? snap->mode : new_mode);
    if (written && unchanged(path, *snap)) {
      if (::rename(tmp.c_str(), path.c_str()) == 0) return {};
      written = make_error("cannot replace {}: {}", path, errno_text());
    }
    (void)::unlink(tmp.c_str());
    if (!written) return written;
  }
  return make_error("{} kept changing while it was rewritten ({} attempts); nothing was written",
                    path, kAttempts);
}

}  // namespace companion::sys
