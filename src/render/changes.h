// The text block of a write task's measured change, from the `changes` and `worktree` objects of
// its stored result (jobs/write_changes.h writes them), shown after Codex's answer by the
// foreground run and by `result`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace companion::render {

// "\nChanges: 2 files changed, 3 insertions(+), 1 deletion(-)\n  a.txt | +2 -1\n…", then a
// "Warning: …" line when there is a warning, and for a worktree task where it is and how to
// apply it (or that it is kept). "" when `changes` is not an object (not a write task).
// File names come from the repository: each is shown quoted as git quotes names
// (sys::quote_path), so a name with a newline cannot forge a line, and a symlink or a mode change
// is marked ("(new symlink)", "(mode 100644 -> 100755)": describe_mode_change).
std::string render_changes(const nlohmann::json& changes, const nlohmann::json& worktree);

// What a change of git file modes means, in a few words: "new symlink", "symlink deleted",
// "symlink changed", "file replaced by a symlink", "symlink replaced by a file", "submodule",
// "new, executable", "mode 100644 -> 100755"; "" for an ordinary file's edit, addition or
// deletion. A mode is "" where the file does not exist on that side.
std::string describe_mode_change(std::string_view old_mode, std::string_view new_mode);

}  // namespace companion::render
