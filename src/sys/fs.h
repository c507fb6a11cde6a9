// Files and directories: private state directories, appends, tails, atomic replacement.
#pragma once

#include <cstddef>
#include <string>

#include "sys/result.h"

namespace companion::sys {

// The canonical absolute path of an existing path.
Result<std::string> real_path(const std::string& path);

// Creates `path` (and missing parents) with mode 0700. An existing directory must be a real
// directory (not a symlink) owned by this uid; its mode is tightened to 0700.
// REQUIRES: the parents that exist are searchable.
Status ensure_private_dir(const std::string& path);

// Appends `data` to `path`, creating it with mode 0600. When the write fails part way (a full
// disk), the part written is removed again unless another writer appended meanwhile, so the file
// never ends in half a record.
Status append_file(const std::string& path, const std::string& data);

Result<std::string> read_file(const std::string& path);

// The last `max_bytes` of `path` (the whole file when smaller). Reads only that tail.
Result<std::string> read_tail(const std::string& path, size_t max_bytes);

// Replaces `path` with `data`: write to a temporary beside it, fsync, rename. Mode 0600.
Status write_file_atomic(const std::string& path, const std::string& data);

bool path_exists(const std::string& path);
bool is_directory(const std::string& path);

// Removes a file; a missing file is not an error.
Status remove_file(const std::string& path);

// The directory part of a path ("." when there is none).
std::string dirname_of(const std::string& path);
std::string basename_of(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

// The error text of the current errno.
std::string errno_text();

}  // namespace companion::sys
