// The text block of a write task's measured change, from the `changes` and `worktree` objects of
// its stored result (jobs/write_changes.h writes them), shown after Codex's answer by the
// foreground run and by `result`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace companion::render {

// "\nChanges: 2 files changed, 3 insertions(+), 1 deletion(-)\n  a.txt | +2 -1\n…", then a
// "Warning: …" line when there is a warning, and for a worktree task where it is and how to
// apply it (or that it is kept). "" when `changes` is not an object (not a write task).
std::string render_changes(const nlohmann::json& changes, const nlohmann::json& worktree);

}  // namespace companion::render
