#include "sys/path_checks.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <utility>

#ifdef __linux__
#include <linux/magic.h>
#include <sys/vfs.h>
#else
#include <sys/mount.h>
#include <sys/param.h>
#endif

#include "sys/fs.h"

namespace companion::sys {

uid_t effective_uid() {
  return ::geteuid();
}

PathKind path_kind(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT || errno == ENOTDIR ? PathKind::kMissing : PathKind::kOther;
  }
  if (S_ISLNK(st.st_mode)) return PathKind::kSymlink;
  if (S_ISDIR(st.st_mode)) return PathKind::kDirectory;
  if (S_ISREG(st.st_mode)) return PathKind::kRegular;
  return PathKind::kOther;
}

Result<std::string> read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return make_error("cannot read the symlink {}: {}", path, errno_text());
  return std::string(buf, static_cast<size_t>(n));
}

std::string resolve_existing_prefix(const std::string& path) {
  std::string existing = path;
  while (existing.size() > 1 && existing.back() == '/') existing.pop_back();
  std::string rest;
  while (existing != "/" && !existing.empty()) {
    if (auto real = real_path(existing)) return rest.empty() ? *real : join_path(*real, rest);
    std::string name = basename_of(existing);
    if (!rest.empty()) name.append("/").append(rest);
    rest = std::move(name);
    existing = dirname_of(existing);
  }
  return rest.empty() ? std::string("/") : "/" + rest;
}

bool is_inside_or_same(const std::string& path, const std::string& dir) {
  if (dir == "/") return !path.empty() && path[0] == '/';
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  return path == trimmed ||
         (path.size() > trimmed.size() && path.compare(0, trimmed.size(), trimmed) == 0 &&
          path[trimmed.size()] == '/');
}

Result<uid_t> owner_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return make_error("cannot inspect {}: {}", path, errno_text());
  return st.st_uid;
}

#ifdef __linux__

namespace {

// Kernel filesystems that hold no user files (statfs f_type values, <linux/magic.h>).
constexpr std::array<std::pair<unsigned long, const char*>, 16> kPseudoFilesystems = {{
    {PROC_SUPER_MAGIC, "proc"},
    {SYSFS_MAGIC, "sysfs"},
    {DEVPTS_SUPER_MAGIC, "devpts"},
    {CGROUP_SUPER_MAGIC, "cgroup"},
    {CGROUP2_SUPER_MAGIC, "cgroup2"},
    {DEBUGFS_MAGIC, "debugfs"},
    {TRACEFS_MAGIC, "tracefs"},
    {SECURITYFS_MAGIC, "securityfs"},
    {SELINUX_MAGIC, "selinuxfs"},
    {SMACK_MAGIC, "smackfs"},
    {PSTOREFS_MAGIC, "pstore"},
    {EFIVARFS_MAGIC, "efivarfs"},
    {BPF_FS_MAGIC, "bpf"},
    {BINFMTFS_MAGIC, "binfmt_misc"},
    {NSFS_MAGIC, "nsfs"},
    {HUGETLBFS_MAGIC, "hugetlbfs"},
}};

// devtmpfs says it is tmpfs: a tmpfs path on the filesystem mounted at /dev is devtmpfs (or,
// in a container, the tmpfs that stands in for it).
bool on_dev_mount(const std::string& path) {
  struct stat target {};
  struct stat dev {};
  struct stat root {};
  if (::stat(path.c_str(), &target) != 0 || ::stat("/dev", &dev) != 0 || ::stat("/", &root) != 0) {
    return false;
  }
  return dev.st_dev != root.st_dev && target.st_dev == dev.st_dev;
}

}  // namespace

Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) {
    return make_error("cannot inspect the filesystem of {}: {}", path, errno_text());
  }
  auto type = static_cast<unsigned long>(fs.f_type);
  for (const auto& [magic, name] : kPseudoFilesystems) {
    if (type == magic) return std::optional<std::string>(name);
  }
  if (type == TMPFS_MAGIC && on_dev_mount(path)) return std::optional<std::string>("devtmpfs");
  return std::optional<std::string>();
}

#else

Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) {
    return make_error("cannot inspect the filesystem of {}: {}", path, errno_text());
  }
  std::string type = fs.f_fstypename;
  if (type == "devfs" || type == "procfs" || type == "fdesc")
    return std::optional<std::string>(type);
  return std::optional<std::string>();
}

#endif

std::optional<WritablePlace> place_holding(const std::string& path,
                                           const std::vector<WritablePlace>& places) {
  const std::string real = resolve_existing_prefix(path);
  for (const WritablePlace& place : places) {
    if (place.path.empty() || place.path[0] != '/') continue;
    if (is_inside_or_same(real, resolve_existing_prefix(place.path))) return place;
  }
  return std::nullopt;
}

}  // namespace companion::sys
