// What a write task really changed (issue 13; the reference reports "done" from the process exit
// alone: openai/codex-plugin-cc#754). The work tree is snapshotted before and after the turn
// (git/tree_state.h) and the job's result says what git saw: the diffstat, and plainly when
// Codex's answer claims edits that are not there or nothing changed at all.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "git/tree_state.h"
#include "jobs/outcome.h"

namespace companion::jobs {

// At most this many per-file records are stored (the totals count every file).
inline constexpr size_t kMaxChangedFiles = 200;

// A `--worktree` task's isolated checkout (git/worktree.h).
struct WorktreeInfo {
  std::string path;
  std::string branch;
  std::string base;    // the commit it started from (the user's HEAD at start)
  std::string commit;  // the branch's commit holding the result; empty: none recorded
  std::string repo;    // the user's repository it belongs to (the job's cwd)
};

struct ChangeReport {
  bool measured = false;  // false: `error` says why the change could not be measured
  std::string error;
  git::TreeState before, after;
  git::DiffStat stat;
  bool claimed = false;  // Codex reported file changes or its answer says it edited files
  std::optional<WorktreeInfo> worktree;
  bool kept_worktree = false;  // the job did not complete: its worktree stays until pruned
};

// True when an answer says in the first person that it edited files ("I updated a.txt",
// "I've fixed …", "I have added …"). Case-insensitive; reads at most the
// first 64 KiB. A heuristic: a false positive only adds a warning when nothing changed.
bool claims_edits(std::string_view answer);

// The warning to give, if any: Codex claimed edits but the tree did not change, or nothing
// changed at all. Empty when files changed or nothing was measured.
std::string change_warning(const ChangeReport& report);

// The `changes` object of the task's JSON (and, for a worktree task, `worktree`).
nlohmann::json changes_json(const ChangeReport& report);
nlohmann::json worktree_json(const ChangeReport& report, const std::string& job_id);

// The text block appended to the rendered result ("Changes: 2 files changed, …").
std::string render_changes(const ChangeReport& report, const std::string& job_id);

// Adds the report to the outcome: payload `changes` (and `worktree`), the rendered block, and the
// terminal record's copies of both.
void attach_changes(JobOutcome& outcome, const ChangeReport& report, const std::string& job_id);

}  // namespace companion::jobs
