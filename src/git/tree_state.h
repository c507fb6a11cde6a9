// What a write task changed, measured by git rather than taken from Codex's word: a snapshot of
// a work tree as a tree object (written through a scratch index, so the user's index is never
// touched) and the diffstat between two snapshots.
//
// Every git call goes through run_git (no hooks, bounded output and time); object ids reach
// git's command line only after `--end-of-options` and only once checked to be hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::git {

// A work tree's state: the commit HEAD names (empty in a repository with no commits yet) and a
// tree object holding every file git would track there (tracked and untracked, ignored ones
// left out), as `git add -A` would stage it.
struct TreeState {
  std::string head;
  std::string tree;
};

// Snapshots the work tree at `root` through the scratch index file `scratch_index` (an absolute
// path the caller owns, e.g. in the workspace's state directory; removed afterwards). Writes
// blob and tree objects into the repository (unreferenced objects git's gc removes in time);
// changes nothing else: not the index, not HEAD, not a file. Errors: git fails, times out, or
// `root` is not a git work tree.
Result<TreeState> snapshot_tree(sys::Env& env, const std::string& root,
                                const std::string& scratch_index);

// Git's file modes as diff-tree prints them.
inline constexpr const char* kModeSymlink = "120000";
inline constexpr const char* kModeExecutable = "100755";
inline constexpr const char* kModeRegular = "100644";

struct FileStat {
  std::string path;        // exact, as git stores it (may hold any byte but NUL and '/'-misuse)
  int64_t insertions = 0;  // lines; 0 for a binary file
  int64_t deletions = 0;
  bool binary = false;
  // From the raw record (absent when the output had none): 'A' added, 'D' deleted, 'M' modified,
  // 'T' type changed (a file became a symlink or back); the modes before and after ("100644",
  // "100755", "120000" a symlink, "160000" a submodule; "" where the file does not exist).
  char status = 0;
  std::string old_mode, new_mode;
};

struct DiffStat {
  size_t files_changed = 0;  // every file, also those beyond `files`
  int64_t insertions = 0;
  int64_t deletions = 0;
  std::vector<FileStat> files;  // at most the limit given to parse_numstat
  bool truncated() const { return files.size() < files_changed; }
};

// Parses `git diff-tree -r --numstat -z --no-renames` output: one "ADDED\tDELETED\tPATH\0" record
// per file, "-\t-\tPATH" for a binary file. Keeps at most `max_files` records in `files` (the
// totals count all). A malformed record is skipped: the stat is information, not a verdict.
// With --raw too, the raw records (":OLDMODE NEWMODE OLDID NEWID STATUS\0PATH\0", all before the
// numstat ones) give each file its status and modes.
DiffStat parse_numstat(const std::string& output, size_t max_files);

// One file a diff between two trees touches (`git diff-tree -r -z --raw --no-renames`).
struct TreeChange {
  char status = 0;                 // 'A', 'D', 'M', 'T' (no renames or copies: --no-renames)
  std::string old_mode, new_mode;  // "" where the file does not exist on that side
  std::string path;
};

// The raw records of `output` (numstat records after them are skipped). A malformed record ends
// the parse: the records before it are returned.
std::vector<TreeChange> parse_raw(const std::string& output);

// The diffstat from tree `before` to tree `after` (object ids from snapshot_tree) in the
// repository of `root`, keeping at most `max_files` per-file records, each with its status and
// modes (so a symlink or a mode change shows as one).
Result<DiffStat> diff_trees(sys::Env& env, const std::string& root, const std::string& before,
                            const std::string& after, size_t max_files);

// True when `id` looks like a full git object id (40 or 64 lowercase hex digits).
bool is_object_id(const std::string& id);

}  // namespace companion::git
