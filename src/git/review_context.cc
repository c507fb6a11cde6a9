#include "git/review_context.h"

#include <fmt/format.h>

#include "git/context_text.h"
#include "git/ref_argument.h"
#include "sys/text.h"

namespace companion::git {

namespace {

constexpr const char* kGuidanceInlined =
    "The repository context below holds the complete change: use it as your primary evidence, "
    "and read the surrounding code in the repository whenever a finding depends on it.";
constexpr const char* kGuidancePartial =
    "The change exceeds the size limits, so the repository context below is only a lightweight "
    "summary of it: before you finalize any finding, inspect the omitted parts yourself with "
    "read-only git commands (git status, git diff, git log, git show).";

// Accumulates the Markdown sections and the inline budget.
struct Builder {
  sys::Env& env;
  const std::string& root;
  const ContextLimits& limits;
  size_t budget;
  std::string sections;
  bool inlined = true;

  GitOptions git_options(size_t max_bytes, bool kill_on_overflow = true) const {
    return GitOptions{max_bytes, kill_on_overflow, limits.git_timeout_ms};
  }
  void section(const std::string& title, const std::string& body) {
    sections += "## " + title + "\n\n" + (body.empty() ? "(none)\n" : body) + "\n";
  }
};

// Lists `names` (one per line, prefixed) up to the listing limit.
std::string list_names(const std::vector<std::string>& names, const std::string& prefix,
                       size_t max_listed) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max_listed; ++i) out += prefix + names[i] + "\n";
  if (names.size() > max_listed) {
    out += fmt::format("... and {} more\n", names.size() - max_listed);
  }
  return out;
}

// Parses `git diff --name-status --no-renames -z`: status, path pairs.
void parse_name_status(const std::string& output, std::vector<std::string>& files,
                       std::vector<std::string>& lines) {
  auto fields = split_nul(output);
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    bool seen = false;
    for (const auto& f : files) seen = seen || f == fields[i + 1];
    if (seen) continue;
    files.push_back(fields[i + 1]);
    // Quoted as git quotes names: a newline in a name cannot add a line to the prompt.
    lines.push_back(fields[i] + "\t" + sys::quote_path(fields[i + 1]));
  }
}

Status add_status(Builder& b) {
  auto status = run_git(b.env, b.root, {"status", "--short", "--branch", "--untracked-files=all"},
                        b.git_options(b.limits.max_file_bytes));
  if (!status) return status.error();
  std::string text = status->out;
  if (status->stdout_truncated) text += "\n... (status truncated)\n";
  b.section("Git status", fenced(text));
  return {};
}

// `git diff|--stat <options> --end-of-options <revisions>`.
std::vector<std::string> diff_command(std::vector<std::string> head,
                                      const std::vector<std::string>& options,
                                      const std::vector<std::string>& revisions) {
  head.insert(head.end(), options.begin(), options.end());
  head.push_back(kEndOfOptions);
  head.insert(head.end(), revisions.begin(), revisions.end());
  return head;
}

// Adds one diff section; a diff over the remaining budget is replaced by its --stat summary.
Status add_diff(Builder& b, const std::string& title, const std::vector<std::string>& options,
                const std::vector<std::string>& revisions, const std::string& inspect_with) {
  auto diff_args = diff_command({"diff", "--no-ext-diff", "--no-textconv", "--submodule=short"},
                                options, revisions);
  auto diff = run_git(b.env, b.root, diff_args, b.git_options(b.budget));
  if (!diff) return diff.error();
  if (!diff->stdout_truncated && !diff->success()) {
    return make_error("cannot collect the diff in {}: git diff failed ({}) {}", b.root,
                      diff->describe(), trim_right(diff->err_tail));
  }
  if (diff->stdout_truncated) {
    b.inlined = false;
    auto stat_args = diff_command({"diff", "--stat"}, options, revisions);
    auto stat = run_git(b.env, b.root, stat_args, b.git_options(b.limits.max_file_bytes));
    std::string stat_text = stat.ok() ? stat->out : "";
    b.section(title, fmt::format("(not included: the diff is larger than {}; inspect it yourself "
                                 "with `{}`)\n\n{}",
                                 format_size(b.budget), inspect_with, fenced(stat_text)));
    return {};
  }
  BoundedDiff bounded = bound_diff(diff->out, b.limits.max_file_bytes);
  if (bounded.omitted_files > 0) b.inlined = false;
  b.budget -= std::min(b.budget, bounded.text.size());
  b.section(title, bounded.text.empty() ? "" : fenced(bounded.text, "diff"));
  return {};
}

void add_untracked(Builder& b, const std::vector<std::string>& untracked) {
  std::string body;
  for (size_t i = 0; i < untracked.size(); ++i) {
    if (i == b.limits.max_listed_files) {
      b.inlined = false;
      body += fmt::format("... and {} more untracked files (list them with `git status`)\n",
                          untracked.size() - i);
      break;
    }
    UntrackedFile file =
        render_untracked_file(b.env, b.root, untracked[i], b.limits.max_file_bytes, b.budget);
    if (file.kind == UntrackedKind::kTooLarge) b.inlined = false;
    b.budget -= std::min(b.budget, file.bytes);
    body += file.text + "\n";
  }
  b.section("Untracked files", body);
}

Result<std::string> current_branch(sys::Env& env, const std::string& root) {
  auto name = git_output(env, root, {"branch", "--show-current"});
  if (!name) return name.error();
  std::string branch = trim_right(*name);
  return branch.empty() ? std::string("HEAD") : branch;
}

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

Status collect_working_tree(Builder& b, ReviewContext& ctx) {
  bool has_head = has_head_commit(b.env, b.root);
  std::vector<std::string> lines;
  auto names_opts = b.git_options(8 * 1024 * 1024, false);
  for (const char* which : {"HEAD", "--cached", ""}) {
    if (has_head != (std::string(which) == "HEAD")) continue;
    std::vector<std::string> args = {"diff", "--name-status", "--no-renames", "-z"};
    if (*which) args.push_back(which);
    auto names = git_output(b.env, b.root, args, names_opts);
    if (!names) return names.error();
    parse_name_status(*names, ctx.changed_files, lines);
  }
  auto others =
      git_output(b.env, b.root, {"ls-files", "--others", "--exclude-standard", "-z"}, names_opts);
  if (!others) return others.error();
  ctx.untracked_files = split_nul(*others);
  COMPANION_TRY(add_status(b));
  b.section("Changed files", list_names(lines, "", b.limits.max_listed_files));
  if (has_head) {
    COMPANION_TRY(add_diff(b, "Diff of staged and unstaged changes against HEAD", {}, {"HEAD"},
                           "git diff HEAD"));
  } else {
    COMPANION_TRY(
        add_diff(b, "Staged changes (no commits yet)", {"--cached"}, {}, "git diff --cached"));
    COMPANION_TRY(add_diff(b, "Unstaged changes", {}, {}, "git diff"));
  }
  add_untracked(b, ctx.untracked_files);
  ctx.summary =
      fmt::format("{} changed, {} untracked", plural(ctx.changed_files.size(), "file", "files"),
                  ctx.untracked_files.size());
  return {};
}

Status collect_branch(Builder& b, const std::string& base, ReviewContext& ctx) {
  COMPANION_TRY(check_ref_argument(base, "base ref"));
  auto merge_base = run_git(b.env, b.root, {"merge-base", kEndOfOptions, "HEAD", base});
  if (!merge_base) return merge_base.error();
  if (!merge_base->success()) {
    return make_error(
        "cannot review against {}: it shares no history with HEAD; pass another --base", base);
  }
  std::string mb = trim_right(merge_base->out);
  COMPANION_TRY(check_ref_argument(mb, "merge-base"));
  auto count = git_output(b.env, b.root, {"rev-list", "--count", kEndOfOptions, mb + "..HEAD"});
  if (!count) return count.error();
  auto log =
      run_git(b.env, b.root,
              {"log", "--oneline", "--no-decorate", "-n", "200", kEndOfOptions, mb + "..HEAD"},
              b.git_options(b.limits.max_file_bytes));
  if (!log) return log.error();
  auto names = git_output(
      b.env, b.root, {"diff", "--name-status", "--no-renames", "-z", kEndOfOptions, mb, "HEAD"},
      b.git_options(8 * 1024 * 1024, false));
  if (!names) return names.error();
  std::vector<std::string> lines;
  parse_name_status(*names, ctx.changed_files, lines);
  COMPANION_TRY(add_status(b));
  b.section(
      fmt::format("Commits on {} since merge-base {} with {}", ctx.branch, mb.substr(0, 12), base),
      fenced(log->out));
  b.section("Changed files", list_names(lines, "", b.limits.max_listed_files));
  COMPANION_TRY(add_diff(b, fmt::format("Diff {}...HEAD", base), {}, {mb, "HEAD"},
                         fmt::format("git diff {}...HEAD", base)));
  std::string commits = trim_right(*count);
  ctx.summary = fmt::format("{} changed in {} {} against {}",
                            plural(ctx.changed_files.size(), "file", "files"), commits,
                            commits == "1" ? "commit" : "commits", base);
  return {};
}

}  // namespace

nlohmann::json ReviewContext::to_json() const {
  return {{"repoRoot", repo_root}, {"branch", branch}, {"summary", summary}};
}

Result<ReviewContext> collect_review_context(sys::Env& env, const std::string& repo_root,
                                             const ReviewTarget& target,
                                             const ContextLimits& limits) {
  auto root = find_repo_root(env, repo_root);
  if (!root) return root.error();
  ReviewContext ctx;
  ctx.repo_root = *root;
  auto branch = current_branch(env, *root);
  if (!branch) return branch.error();
  ctx.branch = *branch;
  Builder b{env, *root, limits, limits.max_inline_bytes, {}, true};
  if (target.mode == kModeBranch) {
    COMPANION_TRY(collect_branch(b, target.base_ref, ctx));
  } else if (target.mode == kModeWorkingTree) {
    COMPANION_TRY(collect_working_tree(b, ctx));
  } else {
    return make_error("unknown review target mode '{}'", target.mode);
  }
  ctx.inlined = b.inlined;
  ctx.guidance = ctx.inlined ? kGuidanceInlined : kGuidancePartial;
  ctx.content = fmt::format("Repository: {}\nBranch: {}\nTarget: {}\nSummary: {}\n\n",
                            ctx.repo_root, ctx.branch, target.label, ctx.summary);
  if (!ctx.inlined) {
    ctx.content +=
        "Note: parts of this change are NOT included below because they exceed the size limits. "
        "Inspect the repository yourself with read-only git commands before you conclude.\n\n";
  }
  ctx.content += b.sections;
  return ctx;
}

}  // namespace companion::git
