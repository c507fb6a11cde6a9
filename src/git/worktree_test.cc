#include "git/worktree.h"

#include <gtest/gtest.h>

#include <string>

#include "git/git_command.h"
#include "git/test_repo.h"
#include "git/tree_state.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using testing::TempRepo;

struct Fixture {
  TempRepo repo;
  std::string base, path, branch = "codex/task-abc-123";
  Fixture() {
    repo.write("a.txt", "one\ntwo\nthree\n");
    repo.commit_all("initial");
    base = trim_right(repo.git({"rev-parse", "HEAD"}));
    path = worktree_path(repo.scratch() + "/state", "task-abc-123");
  }
  // Writes in the worktree and records it on the branch, as a completed worktree task does.
  std::string commit_change(const std::string& file, const std::string& content) {
    testing::run_in(path, {"sh", "-c", "printf '" + content + "' > " + file});
    auto tree = snapshot_tree(sys::default_env(), path, repo.scratch() + "/idx");
    EXPECT_TRUE(tree.ok());
    auto commit = commit_to_branch(sys::default_env(), path, branch, base, tree->tree, "task");
    EXPECT_TRUE(commit.ok()) << (commit.ok() ? "" : commit.error().message);
    return commit.ok() ? *commit : "";
  }
};

TEST(Worktree, CommitsTheTaskOnItsBranchAndAppliesCleanly) {
  Fixture f;
  ASSERT_TRUE(add_worktree(sys::default_env(), f.repo.root(), f.path, f.branch, f.base).ok());
  std::string commit = f.commit_change("a.txt", "one\n2\nthree\n");
  auto tip = branch_commit(sys::default_env(), f.repo.root(), f.branch);
  ASSERT_TRUE(tip.ok());
  EXPECT_EQ(*tip, commit);
  EXPECT_EQ(trim_right(f.repo.git({"rev-parse", "HEAD"})), f.base);  // the user's HEAD stays

  auto applied = apply_change(sys::default_env(), f.repo.root(), f.base, commit,
                              f.repo.scratch() + "/p.patch");
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_TRUE(applied->staged);
  EXPECT_EQ(f.repo.git({"show", ":a.txt"}), "one\n2\nthree\n");
}

TEST(Worktree, ApplyOnAConflictingTreeChangesNothing) {
  Fixture f;
  ASSERT_TRUE(add_worktree(sys::default_env(), f.repo.root(), f.path, f.branch, f.base).ok());
  std::string commit = f.commit_change("a.txt", "one\n2\nthree\n");
  f.repo.write("a.txt", "one\nTWO\nthree\n");  // the user edited the same line
  std::string status = f.repo.git({"status", "--porcelain"});
  auto applied = apply_change(sys::default_env(), f.repo.root(), f.base, commit,
                              f.repo.scratch() + "/p.patch");
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("a.txt"), std::string::npos) << applied.error().message;
  EXPECT_EQ(f.repo.git({"status", "--porcelain"}), status);
  EXPECT_EQ(f.repo.git({"diff"}).find("2\n") == std::string::npos, true);
}

TEST(Worktree, RemoveDeletesTheWorktreeAndTheBranchEvenWhenTheDirectoryIsGone) {
  Fixture f;
  ASSERT_TRUE(add_worktree(sys::default_env(), f.repo.root(), f.path, f.branch, f.base).ok());
  testing::run_in("/", {"rm", "-rf", f.path});
  EXPECT_TRUE(remove_worktree(sys::default_env(), f.repo.root(), f.path, f.branch).ok());
  EXPECT_FALSE(branch_commit(sys::default_env(), f.repo.root(), f.branch).ok());
  EXPECT_EQ(f.repo.git({"worktree", "list", "--porcelain"}).find(f.path), std::string::npos);
}

// A repository names programs in its .git/config (hooks, an fsmonitor); none may run when a
// write task snapshots it, adds its worktree or commits onto the branch.
TEST(Worktree, RunsNoProgramTheRepositoryNames) {
  Fixture f;
  std::string marker = f.repo.scratch() + "/ran";
  std::string script = f.repo.scratch() + "/evil.sh";
  testing::run_in(f.repo.scratch(),
                  {"sh", "-c",
                   "printf '#!/bin/sh\\ntouch " + marker + "\\n' > " + script + " && chmod +x " +
                       script + " && mkdir -p hooks && cp " + script +
                       " hooks/post-checkout && cp " + script + " hooks/reference-transaction"});
  f.repo.git({"config", "core.hooksPath", f.repo.scratch() + "/hooks"});
  f.repo.git({"config", "core.fsmonitor", script});
  ASSERT_TRUE(snapshot_tree(sys::default_env(), f.repo.root(), f.repo.scratch() + "/idx").ok());
  ASSERT_TRUE(add_worktree(sys::default_env(), f.repo.root(), f.path, f.branch, f.base).ok());
  f.commit_change("a.txt", "x\\n");
  EXPECT_FALSE(sys::path_exists(marker));
}

TEST(Worktree, RefusesABranchThatLooksLikeAnOption) {
  Fixture f;
  EXPECT_FALSE(add_worktree(sys::default_env(), f.repo.root(), f.path, "--force", f.base).ok());
  EXPECT_FALSE(add_worktree(sys::default_env(), f.repo.root(), f.path, f.branch, "HEAD").ok());
}

}  // namespace
}  // namespace companion::git
