#include "jobs/run_job.h"

#include <gtest/gtest.h>

#include "jobs/jobs_test_support.h"

namespace companion::jobs {
namespace {

class RunJobTest : public testing::StoreFixture {};

// Regression (came without a test): a worker that finds its queued job already asked to cancel
// ends it cancelled and does not start Codex (here a Codex that cannot start would fail the job).
TEST_F(RunJobTest, QueuedJobAlreadyAskedToCancelNeverStartsCodex) {
  auto store = open(sys::default_env());
  auto created =
      store->create(store::NewJob{store::JobKind::kTask, "Codex Task", "t", "", false, nullptr});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(*store->update(created->job.id, store::JobPatch{.request_cancel = true}));
  JobRequest request;
  request.cwd = dir_;
  request.prompt = "do it";
  RunOptions options;
  options.codex.program = dir_ + "/codex-that-must-not-start";
  auto run = run_job(*store, **store->get(created->job.id), request, options);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->job.status, store::JobStatus::kCancelled);
  EXPECT_EQ(run->job.end_reason, store::EndReason::kCancelled);
  EXPECT_EQ(run->job.app_server_pid, 0);
}

TEST_F(RunJobTest, JobEndedBeforeItsOwnerStartedIsLeftAsItIs) {
  auto store = open(sys::default_env());
  auto created =
      store->create(store::NewJob{store::JobKind::kTask, "Codex Task", "t", "", false, nullptr});
  ASSERT_TRUE(*store->finish(created->job.id, store::make_terminal(store::EndReason::kCancelled)));
  JobRequest request;
  request.cwd = dir_;
  RunOptions options;
  options.codex.program = dir_ + "/codex-that-must-not-start";
  auto run = run_job(*store, created->job, request, options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->job.status, store::JobStatus::kCancelled);
  EXPECT_EQ(run->job.started_at, 0);
}

}  // namespace
}  // namespace companion::jobs
