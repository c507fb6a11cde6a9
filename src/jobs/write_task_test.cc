#include "jobs/write_task.h"

#include <gtest/gtest.h>

#include "git/test_repo.h"
#include "sys/env.h"

namespace companion::jobs {
namespace {

using git::testing::run_in;
using git::testing::TempDir;
using git::testing::TempRepo;

class WorktreeTask : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.write("a.txt", "one\n");
    repo_.commit_all("initial");
    ws_ = store::Workspace{repo_.root(), state_.path() + "/repo-0123456789abcdef"};
    run_in("/", {"mkdir", "-p", ws_.jobs_dir()});
    job_.id = "task-mx4dbwwz-r4wp3f";
    job_.summary = "a worktree task";
    request_.write = true;
    request_.worktree = true;
    request_.cwd = repo_.root();
  }

  TempRepo repo_;
  TempDir state_;
  store::Workspace ws_;
  store::Job job_;
  JobRequest request_;
};

TEST_F(WorktreeTask, RunsInAFreshWorktreeAndRecordsTheChangeOnItsBranch) {
  auto scope = prepare_write(sys::default_env(), ws_, job_, request_);
  ASSERT_TRUE(scope.ok()) << scope.error().message;
  ASSERT_TRUE(scope->worktree.has_value());
  EXPECT_NE(scope->dir, repo_.root());
  run_in(scope->dir, {"sh", "-c", "echo two > a.txt"});
  auto report = finish_write(sys::default_env(), ws_, job_, *scope, codex::TurnOutcome{}, true);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->measured);
  EXPECT_EQ(report->stat.files_changed, 1U);
  EXPECT_FALSE(report->worktree->commit.empty());
}

// Claude Code removes a subagent's worktree when the agent returns: a job whose worktree is
// removed under it ends workspace-gone (the caller matches kNotFound), not a generic error.
TEST_F(WorktreeTask, AWorktreeRemovedUnderTheTaskIsWorkspaceGone) {
  auto scope = prepare_write(sys::default_env(), ws_, job_, request_);
  ASSERT_TRUE(scope.ok()) << scope.error().message;
  run_in("/", {"rm", "-rf", scope->dir});
  auto report = finish_write(sys::default_env(), ws_, job_, *scope, codex::TurnOutcome{}, true);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kNotFound);
  EXPECT_NE(report.error().message.find("was removed while the task ran"), std::string::npos)
      << report.error().message;
  EXPECT_NE(report.error().message.find("codex/" + job_.id), std::string::npos)
      << report.error().message;
}

TEST_F(WorktreeTask, ARepositoryWithoutACommitIsAPlainError) {
  TempRepo empty("empty");
  request_.cwd = empty.root();
  auto scope = prepare_write(sys::default_env(), ws_, job_, request_);
  ASSERT_FALSE(scope.ok());
  EXPECT_EQ(scope.error().code, ErrorCode::kGeneric);
  EXPECT_NE(scope.error().message.find("no commit yet"), std::string::npos)
      << scope.error().message;
}

}  // namespace
}  // namespace companion::jobs
