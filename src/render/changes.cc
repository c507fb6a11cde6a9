#include "render/changes.h"

#include <fmt/format.h>

#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::render {

namespace {

constexpr size_t kMaxRenderedFiles = 20;

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

int64_t count(const nlohmann::json& object, std::string_view key) {
  return sys::json_int(object, key).value_or(0);
}

}  // namespace

std::string describe_mode_change(std::string_view old_mode, std::string_view new_mode) {
  constexpr std::string_view kLink = "120000";
  constexpr std::string_view kExecutable = "100755";
  constexpr std::string_view kSubmodule = "160000";
  if (new_mode == kLink || old_mode == kLink) {
    if (old_mode.empty()) return "new symlink";
    if (new_mode.empty()) return "symlink deleted";
    if (old_mode == new_mode) return "symlink changed";
    return new_mode == kLink ? "file replaced by a symlink" : "symlink replaced by a file";
  }
  if (new_mode == kSubmodule || old_mode == kSubmodule) return "submodule";
  if (old_mode.empty() && new_mode == kExecutable) return "new, executable";
  if (!old_mode.empty() && !new_mode.empty() && old_mode != new_mode) {
    return fmt::format("mode {} -> {}", old_mode, new_mode);
  }
  return "";
}

namespace {

// "  a.txt | +2 -1", "  \"we\\nird\" | binary", "  run.sh | +0 -0 (mode 100644 -> 100755)".
std::string file_line(const nlohmann::json& f) {
  std::string path = sys::quote_path(sys::json_text(f, "path"));
  std::string counts = sys::json_bool(f, "binary").value_or(false)
                           ? std::string("binary")
                           : fmt::format("+{} -{}", count(f, "insertions"), count(f, "deletions"));
  std::string mode =
      describe_mode_change(sys::json_text(f, "oldMode"), sys::json_text(f, "newMode"));
  return fmt::format("  {} | {}{}\n", path, counts, mode.empty() ? "" : " (" + mode + ")");
}

std::string file_lines(const nlohmann::json& changes) {
  std::string out;
  const nlohmann::json* files = sys::json_field(changes, "files");
  if (!files || !files->is_array()) return out;
  size_t shown = 0;
  for (const auto& f : *files) {
    if (shown == kMaxRenderedFiles) break;
    ++shown;
    out += file_line(f);
  }
  int64_t total = count(changes, "filesChanged");
  if (total > static_cast<int64_t>(shown)) {
    out += fmt::format("  … and {} more\n", total - static_cast<int64_t>(shown));
  }
  return out;
}

std::string worktree_lines(const nlohmann::json& w) {
  if (!w.is_object()) return "";
  std::string out =
      fmt::format("Worktree: {} (branch {}, from {}).\n", sys::json_text(w, "path"),
                  sys::json_text(w, "branch"), sys::json_text(w, "baseCommit").substr(0, 12));
  if (sys::json_bool(w, "kept").value_or(false)) {
    out += "The task did not complete; its worktree and branch are kept until the job is pruned.\n";
  } else if (std::string apply = sys::json_text(w, "applyCommand"); !apply.empty()) {
    out += "Bring the change into your working tree: " + apply + "\n";
  }
  return out;
}

}  // namespace

std::string render_changes(const nlohmann::json& changes, const nlohmann::json& worktree) {
  if (!changes.is_object()) return "";
  std::string out = "\n";
  int64_t files = count(changes, "filesChanged");
  if (!sys::json_bool(changes, "measured").value_or(false)) {
    out += "Changes: not measured (" + sys::json_text(changes, "error") + ").\n";
  } else if (files == 0) {
    out += "Changes: none.\n";
  } else {
    out += fmt::format("Changes: {} changed, {}(+), {}(-)\n", plural(files, "file", "files"),
                       plural(count(changes, "insertions"), "insertion", "insertions"),
                       plural(count(changes, "deletions"), "deletion", "deletions"));
    out += file_lines(changes);
  }
  if (std::string warning = sys::json_text(changes, "warning"); !warning.empty()) {
    out += "Warning: " + warning + "\n";
  }
  return out + worktree_lines(worktree);
}

}  // namespace companion::render
