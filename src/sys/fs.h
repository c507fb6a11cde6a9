// Files and directories: private state directories, appends, tails, atomic replacement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

// The canonical absolute path of an existing path: symlinks resolved (on macOS /tmp is
// /private/tmp), and on macOS each name as the volume stores it (F_GETPATH), so one file has one
// real path on a case-insensitive volume too.
Result<std::string> real_path(const std::string& path);

// True when `path` lies strictly below the directory `root`, both real paths (real_path):
// compared byte for byte, and on a case-insensitive volume (macOS pathconf
// _PC_CASE_SENSITIVE = 0) whatever the case.
bool path_is_within(const std::string& path, const std::string& root);

// Creates `path` (and missing parents) with mode 0700. An existing `path` must be a real
// directory (not a symlink) owned by this uid and private (no access for group or others); it is
// refused otherwise, with a line saying how to fix it. Nothing we did not create is chmod-ed.
// REQUIRES: the parents that exist are searchable.
Status ensure_private_dir(const std::string& path);

// The checks of ensure_private_dir() on an existing `path`, creating nothing: an error when it is
// missing, a symlink, not a directory, another user's, or open to group or others.
Status check_private_dir(const std::string& path);

// Appends `data` to the regular file `path`, creating it with mode 0600; a symlink, FIFO or other
// special file there is refused (never followed, never blocked on). When the write fails part
// way (a full disk), the part written is removed again unless another writer appended meanwhile,
// so the file never ends in half a record.
Status append_file(const std::string& path, std::string_view data);

// A close-on-exec descriptor for appending to the regular file `path` (created 0600, no symlink).
Result<UniqueFd> open_append(const std::string& path);

// A close-on-exec descriptor positioned at the start of an anonymous file holding `data`, for a
// child's stdin (memfd on Linux, else an unlinked temporary file). Nothing is left on disk.
Result<UniqueFd> data_fd(std::string_view data);

// Whether a read may follow a symlink at the last component of the path. State files (the store,
// logs, locks) never do; files the user names (--prompt-file) may.
enum class Links { kRefuse, kFollow };

// The bound of reads that do not give their own: 16 MiB.
inline constexpr size_t kDefaultReadLimit = 16 * 1024 * 1024;

// Reads the whole regular file `path`. Never blocks (O_NONBLOCK; FIFOs, devices, sockets and
// directories are refused) and never reads more than `max_bytes`: a larger file is an error
// saying so.
Result<std::string> read_file(const std::string& path, size_t max_bytes = kDefaultReadLimit,
                              Links links = Links::kRefuse);

// Reads the whole regular file `path` in pieces of at most 64 KiB, handing each to `consume` in
// order; never holds more than one piece, so any size is read in constant memory. Same refusals
// as read_file. Errors: opening or reading fails (`consume` may have seen a part by then).
Status read_in_pieces(const std::string& path, Links links,
                      const std::function<void(std::string_view)>& consume);

// The last `max_bytes` of the regular file `path` (the whole file when smaller); reads only that
// tail. Same refusals as read_file.
Result<std::string> read_tail(const std::string& path, size_t max_bytes,
                              Links links = Links::kRefuse);

// Replaces `path` with `data`: write to a temporary beside it, fsync, rename. Mode 0600.
Status write_file_atomic(const std::string& path, std::string_view data);

// True when `path` is a regular file, or does not exist (lstat: a symlink is not regular).
bool regular_or_missing(const std::string& path);

// The names in directory `path`, "." and ".." left out, unsorted.
Result<std::vector<std::string>> list_dir(const std::string& path);

bool path_exists(const std::string& path);
// The size of the file at `path` (following symlinks), or -1 when it cannot be read.
int64_t file_size(const std::string& path);
bool is_directory(const std::string& path);

// What tells one file from another, and a file from itself after it was rewritten: its device
// and inode, size and modification time (following symlinks). A file replaced by a new one (an
// upgrade writes a new file and renames it over the old) differs in inode; one rewritten in place
// differs in size or modification time.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t modified_ns = 0;  // since the Unix epoch
  bool operator==(const FileStamp&) const = default;
};
Result<FileStamp> file_stamp(const std::string& path);

// Removes a file; a missing file is not an error.
Status remove_file(const std::string& path);

// The directory part of a path ("." when there is none).
std::string dirname_of(const std::string& path);
std::string basename_of(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

// Standard input read to its end, at most `max_bytes` (more is an error). With `only_if_piped`,
// stdin that is not a pipe or a regular file (a terminal, /dev/null) reads as nullopt, and so
// does a pipe with nothing written to it within `wait_ms` (an idle pipe inherited from a caller
// must not hang the command); without it, stdin is read whatever it is.
Result<std::optional<std::string>> read_stdin(size_t max_bytes, bool only_if_piped, int wait_ms);

// Standard input read to its end whatever it is (a pipe, a socket — what Claude Code gives its
// hooks —, a regular file, /dev/null), bounded in size and in time: at most `max_bytes` are kept
// and the read ends `timeout_ms` after the call. A terminal reads as "" at once (nobody is going to
// type the input). Errors: more than `max_bytes` (what follows is drained until the end or the
// deadline, so the writer is not cut off mid-write), no end of input before the deadline, a read
// error.
Result<std::string> read_stdin_within(size_t max_bytes, int64_t timeout_ms);

// "16 MiB", "64 KiB", "100 bytes": sizes in messages.
std::string describe_bytes(size_t bytes);

// The error text of the current errno.
std::string errno_text();

}  // namespace companion::sys
