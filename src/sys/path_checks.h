// Facts about a path that decide whether it may be a workspace: who owns it, and whether it is
// on a kernel pseudo-filesystem (/proc, /sys, /dev, cgroups, …) rather than on real storage.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

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

}  // namespace companion::sys
