// Rewriting a file that others read by path: the whole new contents appear at once.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "sys/result.h"

namespace companion::sys {

// Turns a file's old contents ("" when it did not exist) into its new contents.
using FileEdit = std::function<std::string(std::string_view old_contents)>;

// Rewrites the regular file `path` as edit(old contents), in one atomic step:
//   1. reads it (never through a symlink, never blocking on a FIFO; at most `max_bytes`); a
//      missing file reads as "";
//   2. writes edit(old) to a new file beside it, named "." + basename + ".<pid>.tmp" (hidden, and
//      never ending in the old file's extension, so nobody globbing the directory picks it up),
//      with the old file's permission bits (`new_mode` when there was no file), and fsyncs it;
//   3. renames it over `path`, but only while `path` is still the file that was read, unchanged
//      (same inode and size): a concurrent writer's change is never lost; the read, edit and
//      rename are then done again (at most 3 times in all).
// A reader opening `path` by name sees the old contents or the new, never a mix or nothing.
// Nothing is written when edit(old) equals old.
// Errors (`path` is then unchanged, no temporary file is left): a symlink, FIFO, directory or
// other special file at `path`; a file owned by another user; a file larger than `max_bytes`;
// a file that kept changing; failures to read, write, sync or rename.
// REQUIRES: `edit` is pure (it may run up to 3 times) and does not throw.
Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                    const FileEdit& edit);

}  // namespace companion::sys
