#include "git/worktree_link.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "git/git_command.h"
#include "git/test_repo.h"
#include "git/tree_state.h"
#include "git/worktree.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using testing::TempRepo;

struct Linked {
  TempRepo repo;
  TempRepo other{"other"};
  std::string path;
  Linked() {
    repo.write("a.txt", "one\n");
    repo.commit_all("initial");
    other.write("b.txt", "two\n");
    other.commit_all("initial");
    path = worktree_path(repo.scratch() + "/state", "task-x");
    std::string base = trim_right(repo.git({"rev-parse", "HEAD"}));
    EXPECT_TRUE(add_worktree(sys::default_env(), repo.root(), path, "codex/task-x", base).ok());
  }
  void plant(const std::string& text) const {
    testing::run_in(path, {"sh", "-c", "printf '%s' \"$0\" > .git", text});
  }
};

TEST(WorktreeLink, FreshWorktreeIsGitsOwn) {
  Linked w;
  EXPECT_TRUE(check_worktree_link(sys::default_env(), w.repo.root(), w.path).ok());
}

// Regression (defense in depth): a write task that rewrote its worktree's .git pointer had the
// next git command there (snapshot, commit) read a configuration it chose.
TEST(WorktreeLink, PlantedWorktreeGitPointer) {
  Linked w;
  std::string evil = w.repo.scratch() + "/evil-gitdir";
  testing::run_in(w.repo.scratch(), {"git", "init", "-q", evil});
  std::string other_git = w.other.root() + "/.git";
  for (const std::string& text : {"gitdir: " + evil + "/.git\n", "gitdir: " + other_git + "\n",
                                  std::string("gitdir: ../../nowhere\n"), std::string("junk\n")}) {
    w.plant(text);
    auto checked = check_worktree_link(sys::default_env(), w.repo.root(), w.path);
    ASSERT_FALSE(checked.ok()) << text;
    EXPECT_EQ(checked.error().code, ErrorCode::kUnsafe) << text;
    EXPECT_NE(checked.error().message.find("refusing to run git in the worktree"),
              std::string::npos);
  }
  // Another worktree's own record: a real entry of .git/worktrees, but not this one's.
  std::string second = worktree_path(w.repo.scratch() + "/state", "task-y");
  ASSERT_TRUE(add_worktree(sys::default_env(), w.repo.root(), second, "codex/task-y",
                           trim_right(w.repo.git({"rev-parse", "HEAD"})))
                  .ok());
  w.plant("gitdir: " + w.repo.root() + "/.git/worktrees/task-y\n");
  EXPECT_EQ(check_worktree_link(sys::default_env(), w.repo.root(), w.path).error().code,
            ErrorCode::kUnsafe);
  // A .git directory of its own, or a symlink, instead of the pointer file.
  testing::run_in(w.path, {"sh", "-c", "rm .git && mkdir .git"});
  EXPECT_EQ(check_worktree_link(sys::default_env(), w.repo.root(), w.path).error().code,
            ErrorCode::kUnsafe);
  testing::run_in(w.path, {"sh", "-c", "rmdir .git && ln -s " + evil + "/.git .git"});
  EXPECT_EQ(check_worktree_link(sys::default_env(), w.repo.root(), w.path).error().code,
            ErrorCode::kUnsafe);
}

TEST(WorktreeLink, GoneWorktreeIsNotFound) {
  Linked w;
  testing::run_in("/", {"rm", "-rf", w.path});
  EXPECT_EQ(check_worktree_link(sys::default_env(), w.repo.root(), w.path).error().code,
            ErrorCode::kNotFound);
}

TEST(WorktreeLink, PointerText) {
  EXPECT_EQ(gitdir_of("gitdir: /r/.git/worktrees/x\n"), "/r/.git/worktrees/x");
  EXPECT_EQ(gitdir_of("gitdir: rel/x\r\n"), "rel/x");
  EXPECT_EQ(gitdir_of("gitdir: a\ngitdir: b\n"), "");
  EXPECT_EQ(gitdir_of("[core]\n"), "");
}

}  // namespace
}  // namespace companion::git
