#include "jobs/write_changes.h"

#include <array>
#include <cctype>

#include "render/changes.h"
#include "sys/text.h"

namespace companion::jobs {

namespace {

constexpr size_t kMaxClaimScanBytes = 64 * 1024;

constexpr std::array<std::string_view, 15> kEditVerbs = {
    "changed", "updated", "edited",  "modified", "fixed",   "added",   "created",    "wrote",
    "removed", "deleted", "renamed", "replaced", "applied", "patched", "implemented"};

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '\'';
}

// After "i " (or "i've "/"i have "): is the next word an edit verb?
bool verb_follows(std::string_view rest) {
  for (std::string_view aux : {"have ", "'ve ", "\xe2\x80\x99ve ", "just ", "also "}) {
    if (rest.substr(0, aux.size()) == aux) {
      rest.remove_prefix(aux.size());
      if (rest.substr(0, 1) == " ") rest.remove_prefix(1);
    }
  }
  for (std::string_view verb : kEditVerbs) {
    if (rest.substr(0, verb.size()) == verb &&
        (rest.size() == verb.size() || !is_word_char(rest[verb.size()]))) {
      return true;
    }
  }
  return false;
}

// "added", "deleted", "modified", "typeChanged" (a file became a symlink or back); null when git
// gave no status.
nlohmann::json status_name(char status) {
  switch (status) {
    case 'A':
      return "added";
    case 'D':
      return "deleted";
    case 'M':
      return "modified";
    case 'T':
      return "typeChanged";
    default:
      return nullptr;
  }
}

}  // namespace

bool claims_edits(std::string_view answer) {
  std::string text(answer.substr(0, kMaxClaimScanBytes));
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view view(text);
  for (size_t at = view.find('i'); at != std::string_view::npos; at = view.find('i', at + 1)) {
    if (at > 0 && is_word_char(view[at - 1])) continue;
    std::string_view rest = view.substr(at + 1);
    if (rest.substr(0, 1) == " ") {
      rest.remove_prefix(1);
    } else if (rest.substr(0, 3) != "'ve" && rest.substr(0, 5) != "\xe2\x80\x99ve") {
      continue;
    }
    if (verb_follows(rest)) return true;
  }
  return false;
}

std::string change_warning(const ChangeReport& r) {
  if (!r.measured || r.stat.files_changed > 0) return "";
  std::string where = r.worktree ? "the task's worktree" : "the working tree";
  if (r.claimed) {
    return "Codex's answer claims edits, but " + where +
           " did not change: no file was written. Do not rely on the claimed edits.";
  }
  return "No file changed: " + where + " is the same as before the task.";
}

nlohmann::json changes_json(const ChangeReport& r) {
  if (!r.measured) return {{"measured", false}, {"error", r.error}, {"claimedEdits", r.claimed}};
  nlohmann::json files = nlohmann::json::array();
  auto mode = [](const std::string& m) { return m.empty() ? nlohmann::json() : nlohmann::json(m); };
  for (const auto& f : r.stat.files) {
    files.push_back(
        {{"path", f.path},
         {"insertions", f.insertions},
         {"deletions", f.deletions},
         {"binary", f.binary},
         {"status", status_name(f.status)},
         {"oldMode", mode(f.old_mode)},
         {"newMode", mode(f.new_mode)},
         {"symlink", f.old_mode == git::kModeSymlink || f.new_mode == git::kModeSymlink}});
  }
  std::string warning = change_warning(r);
  return {{"measured", true},
          {"changed", r.stat.files_changed > 0},
          {"filesChanged", r.stat.files_changed},
          {"insertions", r.stat.insertions},
          {"deletions", r.stat.deletions},
          {"files", files},
          {"filesTruncated", r.stat.truncated()},
          {"claimedEdits", r.claimed},
          {"warning", warning.empty() ? nlohmann::json() : nlohmann::json(warning)},
          {"baseHead", r.before.head.empty() ? nlohmann::json() : nlohmann::json(r.before.head)},
          {"beforeTree", r.before.tree},
          {"afterTree", r.after.tree}};
}

nlohmann::json worktree_json(const ChangeReport& r, const std::string& job_id) {
  if (!r.worktree) return nullptr;
  const WorktreeInfo& w = *r.worktree;
  bool can_apply = !w.commit.empty() && w.commit != w.base;
  return {{"path", w.path},
          {"branch", w.branch},
          {"baseCommit", w.base},
          {"commit", w.commit.empty() ? nlohmann::json() : nlohmann::json(w.commit)},
          {"kept", r.kept_worktree},
          {"applyCommand",
           can_apply ? nlohmann::json("codex-companion apply " + job_id) : nlohmann::json()}};
}

std::string render_changes(const ChangeReport& r, const std::string& job_id) {
  return render::render_changes(changes_json(r), worktree_json(r, job_id));
}

void attach_changes(JobOutcome& outcome, const ChangeReport& report, const std::string& job_id) {
  outcome.payload["changes"] = changes_json(report);
  if (report.worktree) outcome.payload["worktree"] = worktree_json(report, job_id);
  outcome.rendered += render_changes(report, job_id);
  if (!outcome.terminal.result.is_null()) outcome.terminal.result = outcome.payload;
  outcome.terminal.rendered = outcome.rendered;
}

}  // namespace companion::jobs
