#include "git/review_context.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "git/test_repo.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using testing::TempRepo;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ReviewTarget working_tree() {
  ReviewTarget target;
  target.mode = kModeWorkingTree;
  target.label = "working tree diff";
  return target;
}

ReviewTarget branch_against(const std::string& base) {
  ReviewTarget target;
  target.mode = kModeBranch;
  target.base_ref = base;
  target.label = "branch diff against " + base;
  return target;
}

std::string lines_of(const std::string& word, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += word + " " + std::to_string(i) + "\n";
  return text;
}

TEST(CollectReviewContext, WorkingTreeInlinesDiffAndUntrackedText) {
  TempRepo repo;
  repo.write("a.txt", "alpha\n");
  repo.write("b.txt", "beta\n");
  repo.commit_all("initial");
  repo.write("a.txt", "alpha unstaged\n");
  repo.write("b.txt", "beta staged\n");
  repo.git({"add", "b.txt"});
  repo.write("new dir/fresh file.txt", "brand new text\n");
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree());
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->repo_root, repo.root());
  EXPECT_EQ(ctx->branch, "main");
  EXPECT_EQ(ctx->summary, "2 files changed, 1 untracked");
  EXPECT_TRUE(ctx->inlined);
  EXPECT_TRUE(contains(ctx->guidance, "complete change"));
  EXPECT_TRUE(contains(ctx->content, "+alpha unstaged"));
  EXPECT_TRUE(contains(ctx->content, "+beta staged"));
  EXPECT_TRUE(contains(ctx->content, "### new dir/fresh file.txt"));
  EXPECT_TRUE(contains(ctx->content, "brand new text"));
  EXPECT_FALSE(contains(ctx->content, "NOT included"));
  EXPECT_EQ(ctx->changed_files, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(ctx->untracked_files, (std::vector<std::string>{"new dir/fresh file.txt"}));
  auto json = ctx->to_json();
  EXPECT_EQ(json["repoRoot"], repo.root());
  EXPECT_EQ(json["summary"], ctx->summary);
}

TEST(CollectReviewContext, LargeDiffIsNotInlined) {
  TempRepo repo;
  repo.write("big.txt", lines_of("old", 2000));
  repo.commit_all("initial");
  repo.write("big.txt", lines_of("new", 2000));
  ContextLimits limits;
  limits.max_inline_bytes = 16 * 1024;
  limits.max_file_bytes = 8 * 1024;
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree(), limits);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_FALSE(ctx->inlined);
  EXPECT_TRUE(contains(ctx->content, "NOT included"));
  EXPECT_TRUE(contains(ctx->content, "git diff HEAD"));
  EXPECT_TRUE(contains(ctx->content, "big.txt | "));  // the --stat summary stands in
  EXPECT_FALSE(contains(ctx->content, "+new 1999"));
  // The words the reference plugin's prompt uses here (its test fixture keys on them).
  EXPECT_TRUE(contains(ctx->guidance, "lightweight summary"));
  EXPECT_TRUE(contains(ctx->guidance, "read-only git commands"));
  EXPECT_LT(ctx->content.size(), 16u * 1024);
}

TEST(CollectReviewContext, OversizedFileDiffIsOmittedButOthersStay) {
  TempRepo repo;
  repo.write("big.txt", lines_of("old", 1000));
  repo.write("small.txt", "small\n");
  repo.commit_all("initial");
  repo.write("big.txt", lines_of("new", 1000));
  repo.write("small.txt", "small changed\n");
  ContextLimits limits;
  limits.max_file_bytes = 4 * 1024;
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree(), limits);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_FALSE(ctx->inlined);
  EXPECT_TRUE(contains(ctx->content, "+small changed"));
  EXPECT_TRUE(
      contains(ctx->content, "diff --git a/big.txt b/big.txt\n(this file's diff is omitted"));
  EXPECT_FALSE(contains(ctx->content, "+new 999"));
}

TEST(CollectReviewContext, BinaryFilesAreSkipped) {
  TempRepo repo;
  repo.write("image.bin", std::string("\x89PNG\0\0\x01\x02", 8));
  repo.commit_all("initial");
  repo.write("image.bin", std::string("\x89PNG\0\0\x03\x04 changed", 16));
  repo.write("blob.dat", std::string("abc\0secret-bytes", 16));
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree());
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_TRUE(contains(ctx->content, "Binary files a/image.bin and b/image.bin differ"));
  EXPECT_TRUE(contains(ctx->content, "### blob.dat\n(skipped: binary file)"));
  EXPECT_FALSE(contains(ctx->content, "secret-bytes"));
  EXPECT_TRUE(ctx->inlined);
}

TEST(CollectReviewContext, UntrackedBoundsAndSkippedEntries) {
  TempRepo repo;
  repo.write("a.txt", "a\n");
  repo.commit_all("initial");
  repo.write("huge.txt", lines_of("x", 5000));
  repo.write("ok.txt", "fine\n");
  repo.git({"init", "-q", "nested"});  // a nested repository shows up as a directory
  repo.write("nested/inner.txt", "inner\n");
  testing::run_in(repo.root(), {"ln", "-s", "/etc/passwd", "link"});
  ContextLimits limits;
  limits.max_file_bytes = 1024;
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree(), limits);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_FALSE(ctx->inlined);  // huge.txt was left out
  EXPECT_TRUE(contains(ctx->content, "### huge.txt\n(not included:"));
  EXPECT_TRUE(contains(ctx->content, "### ok.txt\n```\nfine\n```"));
  EXPECT_TRUE(contains(ctx->content, "### nested/\n(skipped: directory)"));
  EXPECT_TRUE(contains(ctx->content, "### link\n(skipped: symlink)"));
  EXPECT_FALSE(contains(ctx->content, "root:"));
}

TEST(CollectReviewContext, TotalBudgetStopsInliningUntrackedFiles) {
  TempRepo repo;
  repo.write("a.txt", "a\n");
  repo.commit_all("initial");
  for (int i = 0; i < 6; ++i) repo.write(fmt::format("f{}.txt", i), lines_of("y", 120));
  ContextLimits limits;
  limits.max_inline_bytes = 2000;  // room for two 600-byte files and a bit
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree(), limits);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_FALSE(ctx->inlined);
  EXPECT_TRUE(contains(ctx->content, "### f0.txt\n```"));
  EXPECT_TRUE(contains(ctx->content, "### f5.txt\n(not included: the context size limit"));
  EXPECT_EQ(ctx->summary, "0 files changed, 6 untracked");
}

TEST(CollectReviewContext, ManyUntrackedFilesAreCapped) {
  TempRepo repo;
  for (int i = 0; i < 12; ++i) repo.write(fmt::format("n{}.txt", i), "n\n");
  ContextLimits limits;
  limits.max_listed_files = 5;
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree(), limits);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_TRUE(contains(ctx->content, "... and 7 more untracked files"));
  EXPECT_FALSE(ctx->inlined);
  EXPECT_EQ(ctx->untracked_files.size(), 12u);
}

TEST(CollectReviewContext, RepositoryWithoutCommits) {
  TempRepo repo;
  repo.write("staged.txt", "staged text\n");
  repo.git({"add", "staged.txt"});
  repo.write("staged.txt", "staged text\nplus unstaged\n");
  repo.write("loose.txt", "loose text\n");
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree());
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->branch, "main");
  EXPECT_EQ(ctx->summary, "1 file changed, 1 untracked");
  EXPECT_TRUE(contains(ctx->content, "+staged text"));
  EXPECT_TRUE(contains(ctx->content, "+plus unstaged"));
  EXPECT_TRUE(contains(ctx->content, "loose text"));
  EXPECT_TRUE(ctx->inlined);
}

TEST(CollectReviewContext, BranchDiffStartsAtTheMergeBase) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  repo.git({"checkout", "-q", "-b", "feature"});
  repo.write("a.txt", "feature line\n");
  repo.commit_all("feature: change a");
  repo.write("b.txt", "added on feature\n");
  repo.commit_all("feature: add b");
  repo.git({"checkout", "-q", "main"});
  repo.write("main-only.txt", "later on main\n");
  repo.commit_all("main moves on");
  repo.git({"checkout", "-q", "feature"});
  repo.write("uncommitted.txt", "not part of a branch review\n");
  auto ctx = collect_review_context(sys::default_env(), repo.root(), branch_against("main"));
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->branch, "feature");
  EXPECT_EQ(ctx->summary, "2 files changed in 2 commits against main");
  EXPECT_TRUE(contains(ctx->content, "+feature line"));
  EXPECT_TRUE(contains(ctx->content, "+added on feature"));
  EXPECT_TRUE(contains(ctx->content, "feature: add b"));
  EXPECT_FALSE(contains(ctx->content, "later on main"));
  EXPECT_FALSE(contains(ctx->content, "not part of a branch review"));
  EXPECT_TRUE(contains(ctx->content, "?? uncommitted.txt"));  // status still shows it
  EXPECT_EQ(ctx->changed_files, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_TRUE(ctx->untracked_files.empty());
}

TEST(CollectReviewContext, BranchWithUnrelatedHistoryIsAnError) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  repo.git({"checkout", "-q", "--orphan", "island"});
  repo.commit_all("unrelated");
  auto ctx = collect_review_context(sys::default_env(), repo.root(), branch_against("main"));
  ASSERT_FALSE(ctx.ok());
  EXPECT_TRUE(contains(ctx.error().message, "shares no history")) << ctx.error().message;
}

// Regression: a ref named like an option must never reach git's argv (here: merge-base).
TEST(GitOptionInjection, OptionLikeBaseIsRefusedBeforeGitRuns) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  const std::string victim = repo.scratch() + "/victim";
  auto ctx =
      collect_review_context(sys::default_env(), repo.root(), branch_against("--output=" + victim));
  ASSERT_FALSE(ctx.ok());
  EXPECT_TRUE(contains(ctx.error().message, "refusing base ref")) << ctx.error().message;
  EXPECT_FALSE(sys::path_exists(victim));
  EXPECT_FALSE(sys::path_exists(victim + "..HEAD"));
}

TEST(CollectReviewContext, DiffHoldingBackticksKeepsItsFence) {
  TempRepo repo;
  repo.write("doc.md", "text\n");
  repo.commit_all("initial");
  repo.write("doc.md", "text\n```\ncode\n```\n");
  auto ctx = collect_review_context(sys::default_env(), repo.root(), working_tree());
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_TRUE(contains(ctx->content, "````diff\n"));
}

}  // namespace
}  // namespace companion::git
