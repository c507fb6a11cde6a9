// Text pieces of a review context: Markdown fences, per-file diff bounds, untracked files.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sys/env.h"

namespace companion::git {

// `text` inside a Markdown code fence longer than any backtick run in it, so nothing in the
// text can close the fence early. `info` is the fence's language tag (may be empty).
std::string fenced(const std::string& text, const std::string& info = "");

// Splits a unified diff into one chunk per file (each starting at a "diff --git " line). Text
// before the first such line, if any, is its own chunk.
std::vector<std::string> split_diff_by_file(const std::string& diff);

struct BoundedDiff {
  std::string text;
  size_t omitted_files = 0;  // chunks replaced by a note because they exceeded the limit
};

// Keeps each file's chunk of `diff` when it is at most `max_file_bytes`; a larger chunk is
// replaced by its "diff --git" line and a note telling the reader to inspect it with git.
BoundedDiff bound_diff(const std::string& diff, size_t max_file_bytes);

// True when `data` looks binary (holds a NUL byte, as git decides).
bool looks_binary(const std::string& data);

// How an untracked path was rendered.
enum class UntrackedKind { kInlined, kBinary, kTooLarge, kSkipped };

struct UntrackedFile {
  UntrackedKind kind = UntrackedKind::kSkipped;
  std::string text;  // Markdown: "### path" and the fenced content or why it was left out
  size_t bytes = 0;  // content bytes inlined
};

// Renders the untracked `relative` path under `root` (its heading quotes the name as git does,
// sys::quote_path): regular text files up to
// `max_file_bytes` (and at most `budget` bytes) are inlined; binary, larger, unreadable files,
// directories, symlinks and special files are named with the reason they were left out.
UntrackedFile render_untracked_file(sys::Env& env, const std::string& root,
                                    const std::string& relative, size_t max_file_bytes,
                                    size_t budget);

// "12.5 KiB", "300 B".
std::string format_size(size_t bytes);

}  // namespace companion::git
