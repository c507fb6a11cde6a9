// Facts about a path that decide whether it may be a workspace, a state directory, or a place
// `apply` may write: who owns it, whether it is on a kernel pseudo-filesystem (/proc, /sys, /dev,
// cgroups, …) rather than on real storage, what is at it without following a symlink, and where
// it really leads.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sys/result.h"

namespace companion::sys {

// This process's effective uid.
uid_t effective_uid();

// The owner of `path` itself (lstat: a symlink's own owner). Errors: the path cannot be
// inspected (it does not exist, a parent is not searchable), with the reason.
Result<uid_t> owner_of(const std::string& path);

// The name of the pseudo-filesystem `path` lives on ("proc", "sysfs", "devtmpfs", "devpts",
// "cgroup2", …), or nullopt for any other filesystem (ext4, tmpfs, overlay, NFS, …).
// Linux: statfs(2) magic numbers from <linux/magic.h>; devtmpfs reports tmpfs's magic, so a path
// on the same mounted filesystem as /dev counts as devtmpfs. Elsewhere: statfs's f_fstypename
// (devfs, procfs). Errors: statfs fails on `path`.
Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path);

// What is at a path itself (lstat: a symlink is kSymlink, never followed).
enum class PathKind {
  kMissing,  // nothing there (ENOENT), or a component before it is not a directory (ENOTDIR)
  kDirectory,
  kSymlink,
  kRegular,
  kOther,  // a FIFO, socket or device, or the path cannot be inspected (EACCES, ...)
};
PathKind path_kind(const std::string& path);

// The target a symlink holds (readlink), at most 4 KiB. Errors: not a symlink, unreadable.
Result<std::string> read_link(const std::string& path);

// The canonical form of the absolute path `path`, which need not exist: the real path of its
// deepest existing ancestor (symlinks resolved) followed by the components that do not exist
// yet. "/tmp/x/new" on macOS is "/private/tmp/x/new". `path` must be absolute; "." and ".."
// components of the missing part are kept as written.
std::string resolve_existing_prefix(const std::string& path);

// True when `path` is `dir` or lies beneath it (both canonical and absolute: compared by whole
// components, so /tmpx is not inside /tmp).
bool is_inside_or_same(const std::string& path, const std::string& dir);

// A directory a sandboxed Codex task may write (README "Threat model"), and how to name it in a
// message ("/tmp", "$TMPDIR (/var/folders/…)", "a writable root of ~/.codex/config.toml").
struct WritablePlace {
  std::string path;  // absolute
  std::string what;
};

// The first of `places` that holds `path` (both compared canonical: resolve_existing_prefix), or
// nullopt. `path` must be absolute.
std::optional<WritablePlace> place_holding(const std::string& path,
                                           const std::vector<WritablePlace>& places);

}  // namespace companion::sys
