#include "git/review_target.h"

#include <gtest/gtest.h>

#include <utility>

#include "git/test_repo.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using testing::TempDir;
using testing::TempRepo;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A repository on `feature` with one commit beyond `main`.
void make_feature_branch(const TempRepo& repo) {
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  repo.git({"checkout", "-q", "-b", "feature"});
  repo.write("a.txt", "two\n");
  repo.commit_all("change a");
}

TEST(SelectReviewTarget, NotAGitRepositoryIsAnActionableError) {
  TempDir dir;
  auto target = select_review_target(sys::default_env(), dir.path(), "auto", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(contains(target.error().message, "not inside a git repository"))
      << target.error().message;
  EXPECT_EQ(target.error().message.find('\n'), std::string::npos);
}

TEST(SelectReviewTarget, MissingDirectoryIsNamed) {
  TempDir dir;
  auto target =
      select_review_target(sys::default_env(), dir.path() + "/gone", "auto", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.error().message, dir.path() + "/gone is not a directory");
}

TEST(SelectReviewTarget, UnknownScopeIsRefused) {
  TempRepo repo;
  auto target = select_review_target(sys::default_env(), repo.root(), "everything", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(contains(target.error().message, "\"everything\""));
  EXPECT_TRUE(contains(target.error().message, "auto, working-tree, branch"));
}

TEST(SelectReviewTarget, DirtyTreeAutoPicksWorkingTree) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  repo.write("a.txt", "changed\n");
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeWorkingTree);
  EXPECT_EQ(target->label, "working tree diff");
  EXPECT_EQ(target->app_server_target, nlohmann::json({{"type", "uncommittedChanges"}}));
  EXPECT_FALSE(target->explicit_choice);
  EXPECT_EQ(target->to_json()["baseRef"], nullptr);
}

TEST(SelectReviewTarget, UntrackedFileAloneMakesTheTreeDirty) {
  TempRepo repo;
  make_feature_branch(repo);
  repo.write("notes/new.txt", "hello\n");
  auto target = select_review_target(sys::default_env(), repo.root(), "", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeWorkingTree);
}

TEST(SelectReviewTarget, IgnoredFilesDoNotMakeTheTreeDirty) {
  TempRepo repo;
  repo.write(".gitignore", "build/\n");
  make_feature_branch(repo);
  repo.write("build/out.o", "junk");
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeBranch);
}

TEST(SelectReviewTarget, CleanTreeAutoPicksBranchAgainstMain) {
  TempRepo repo;
  make_feature_branch(repo);
  auto target = select_review_target(sys::default_env(), repo.root() + "/", "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeBranch);
  EXPECT_EQ(target->base_ref, "main");
  EXPECT_EQ(target->label, "branch diff against main");
  EXPECT_EQ(target->app_server_target,
            nlohmann::json({{"type", "baseBranch"}, {"branch", "main"}}));
  auto json = target->to_json();
  EXPECT_EQ(json["mode"], "branch");
  EXPECT_EQ(json["baseRef"], "main");
  EXPECT_EQ(json["explicit"], false);
}

TEST(SelectReviewTarget, WorksFromASubdirectory) {
  TempRepo repo;
  repo.write("src/deep/x.txt", "x\n");
  repo.commit_all("initial");
  repo.write("src/deep/x.txt", "y\n");
  auto target =
      select_review_target(sys::default_env(), repo.root() + "/src/deep", "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeWorkingTree);
}

TEST(SelectReviewTarget, MasterIsTheFallbackBase) {
  TempRepo repo;
  make_feature_branch(repo);
  repo.git({"branch", "-m", "main", "master"});
  auto target = select_review_target(sys::default_env(), repo.root(), "branch", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->base_ref, "master");
  EXPECT_TRUE(target->explicit_choice);
}

TEST(SelectReviewTarget, CleanTreeWithoutADefaultBaseAsksForBase) {
  TempRepo repo;
  make_feature_branch(repo);
  repo.git({"branch", "-m", "main", "trunk"});
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(contains(target.error().message, "nothing to review")) << target.error().message;
  EXPECT_TRUE(contains(target.error().message, "--base REF"));
  auto branch = select_review_target(sys::default_env(), repo.root(), "branch", std::nullopt);
  ASSERT_FALSE(branch.ok());
  EXPECT_TRUE(contains(branch.error().message, "--base REF"));
  auto with_base =
      select_review_target(sys::default_env(), repo.root(), "auto", std::string("trunk"));
  ASSERT_TRUE(with_base.ok()) << with_base.error().message;
  EXPECT_EQ(with_base->base_ref, "trunk");
}

TEST(SelectReviewTarget, OriginHeadNamesTheDefaultBase) {
  TempRepo upstream("upstream");
  upstream.write("a.txt", "one\n");
  upstream.commit_all("initial");
  upstream.git({"branch", "-m", "main", "develop"});
  upstream.git({"branch", "main"});  // a `main` that must lose to origin/HEAD
  std::string clone = upstream.scratch() + "/clone";
  testing::run_in(upstream.scratch(), {"git", "clone", "-q", upstream.root(), clone});
  testing::run_in(clone, {"git", "checkout", "-q", "-b", "feature"});
  testing::run_in(clone, {"git", "-c", "user.email=t@e", "-c", "user.name=T", "commit", "-q",
                          "--allow-empty", "-m", "work"});
  auto target = select_review_target(sys::default_env(), clone, "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->base_ref, "develop");
  // Without a local branch of that name the remote-tracking ref is used.
  testing::run_in(clone, {"git", "branch", "-q", "-D", "develop"});
  EXPECT_EQ(*default_base_ref(sys::default_env(), clone),
            std::optional<std::string>("origin/develop"));
}

TEST(SelectReviewTarget, BaseWinsOverAutoOnADirtyTree) {
  TempRepo repo;
  make_feature_branch(repo);
  repo.write("a.txt", "dirty\n");
  repo.git({"tag", "v1", "main"});
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::string("v1"));
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeBranch);
  EXPECT_EQ(target->base_ref, "v1");
  EXPECT_TRUE(target->explicit_choice);
}

TEST(SelectReviewTarget, UnknownBaseRefIsNamed) {
  TempRepo repo;
  make_feature_branch(repo);
  auto target =
      select_review_target(sys::default_env(), repo.root(), "auto", std::string("no-such-branch"));
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(contains(target.error().message, "unknown base ref 'no-such-branch'"))
      << target.error().message;
}

TEST(SelectReviewTarget, OptionLikeBaseIsRejected) {
  TempRepo repo;
  make_feature_branch(repo);
  for (const char* bad : {"--output=/tmp/x", "", "a b"}) {
    auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::string(bad));
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_TRUE(contains(target.error().message, "refusing base ref")) << target.error().message;
  }
}

// Regression: a clone whose remote HEAD is a branch named `--output=FILE` made a review run
// `git rev-list --count --output=FILE..HEAD`, which created or truncated FILE..HEAD.
TEST(GitOptionInjection, OriginHeadNamedLikeAnOptionNeverReachesGit) {
  TempRepo repo;
  make_feature_branch(repo);
  const std::string evil = "--output=" + repo.scratch() + "/victim";
  repo.git({"update-ref", "refs/heads/" + evil, "main"});
  repo.git({"update-ref", "refs/remotes/origin/" + evil, "main"});
  repo.git({"symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/" + evil});
  for (const char* scope : {"auto", "branch"}) {
    auto target = select_review_target(sys::default_env(), repo.root(), scope, std::nullopt);
    ASSERT_FALSE(target.ok()) << scope;
    EXPECT_TRUE(contains(target.error().message, "origin/HEAD")) << target.error().message;
    EXPECT_FALSE(sys::path_exists(repo.scratch() + "/victim..HEAD"));
  }
  EXPECT_FALSE(default_base_ref(sys::default_env(), repo.root()).ok());
}

// Compat (issue 9): the reference plugin sends an explicit working-tree review of a clean tree.
TEST(SelectReviewTarget, ExplicitWorkingTreeScopeOnACleanTreeIsStillSent) {
  TempRepo repo;
  make_feature_branch(repo);
  auto target = select_review_target(sys::default_env(), repo.root(), "working-tree", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->mode, kModeWorkingTree);
  EXPECT_TRUE(target->explicit_choice);
}

TEST(SelectReviewTarget, AutoOnABranchWithNoCommitsBeyondBaseHasNothingToReview) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(contains(target.error().message, "no commits beyond main")) << target.error().message;
}

// Regression (issue 9, B1): `review --base main` with uncommitted work and no commits beyond
// main was refused as "nothing to review"; Codex's base-branch review covers the working tree.
TEST(SelectReviewTarget, ExplicitBaseWithNoCommitsBeyondItIsStillSent) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  repo.write("a.txt", "two\n");
  for (auto [scope, base] : {std::pair<const char*, std::optional<std::string>>{"auto", "main"},
                             {"branch", std::nullopt}}) {
    auto target = select_review_target(sys::default_env(), repo.root(), scope, base);
    ASSERT_TRUE(target.ok()) << scope << ": " << target.error().message;
    EXPECT_EQ(target->mode, kModeBranch);
    EXPECT_EQ(target->app_server_target,
              nlohmann::json({{"type", "baseBranch"}, {"branch", "main"}}));
    EXPECT_TRUE(target->explicit_choice);
  }
}

TEST(SelectReviewTarget, UnsupportedScopeUsesTheReferenceSentence) {
  TempRepo repo;
  make_feature_branch(repo);
  auto target = select_review_target(sys::default_env(), repo.root(), "staged", std::nullopt);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.error().message,
            "Unsupported review scope \"staged\". Use one of: auto, working-tree, branch, or "
            "pass --base <ref>.");
}

TEST(SelectReviewTarget, RepositoryWithoutCommits) {
  TempRepo repo;
  auto clean = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_FALSE(clean.ok());
  EXPECT_TRUE(contains(clean.error().message, "no commits")) << clean.error().message;

  repo.write("first.txt", "hello\n");
  auto dirty = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_TRUE(dirty.ok()) << dirty.error().message;
  EXPECT_EQ(dirty->mode, kModeWorkingTree);

  auto branch = select_review_target(sys::default_env(), repo.root(), "branch", std::nullopt);
  ASSERT_FALSE(branch.ok());
  EXPECT_TRUE(contains(branch.error().message, "--scope working-tree")) << branch.error().message;
}

TEST(SelectReviewTarget, DetachedHeadReviewsAgainstMain) {
  TempRepo repo;
  make_feature_branch(repo);
  repo.git({"checkout", "-q", "--detach", "feature"});
  auto target = select_review_target(sys::default_env(), repo.root(), "auto", std::nullopt);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->base_ref, "main");
}

TEST(WorkingTreeDirty, SeesStagedUnstagedAndUntracked) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  EXPECT_EQ(*working_tree_dirty(sys::default_env(), repo.root()), false);
  repo.write("a.txt", "two\n");
  EXPECT_EQ(*working_tree_dirty(sys::default_env(), repo.root()), true);
  repo.git({"add", "a.txt"});
  EXPECT_EQ(*working_tree_dirty(sys::default_env(), repo.root()), true);
  repo.git({"commit", "-q", "-m", "two"});
  repo.write("new.txt", "");
  EXPECT_EQ(*working_tree_dirty(sys::default_env(), repo.root()), true);
}

}  // namespace
}  // namespace companion::git
