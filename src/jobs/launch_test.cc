#include "jobs/launch.h"

#include <gtest/gtest.h>

#include "jobs/fake_owner_env.h"
#include "jobs/jobs_test_support.h"
#include "jobs/run_job.h"
#include "store/job_log.h"

namespace companion::jobs {
namespace {

using testing::FakeOwnerEnv;

class LaunchTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    store_ = open(faults_);
    auto created = store_->create(
        store::NewJob{store::JobKind::kTask, "Codex Task", "t", "s1", false, nullptr});
    ASSERT_TRUE(created.ok());
    job_ = created->job;
    lock_ = std::move(created->lock);
    env_.set_owner(ws_.lock_path(job_.id), {});  // the worker that spawn() pretends to start
  }
  FakeOwnerEnv env_{sys::default_env()};
  sys::FaultInjectionEnv faults_{env_};
  std::unique_ptr<store::JobStore> store_;
  store::Job job_;
  sys::UniqueFd lock_;
};

TEST_F(LaunchTest, WorkerGetsTheLockTheResolvedSettingsAndNeverTheCallersPipes) {
  auto pid = launch_worker(*store_, job_, lock_.get(),
                           {"/opt/cc/codex-companion", "/state/root", "/opt/codex/bin/codex"});
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  ASSERT_EQ(env_.spawned().size(), 1u);
  const sys::SpawnOptions& o = env_.spawned().front();
  EXPECT_EQ(o.argv, (std::vector<std::string>{"/opt/cc/codex-companion", "task-worker", "--job-id",
                                              job_.id, "--cwd", ws_.root}));
  EXPECT_EQ(o.env, (std::vector<std::pair<std::string, std::string>>{
                       {"CODEX_COMPANION_STATE_DIR", "/state/root"},
                       {"CODEX_COMPANION_CODEX", "/opt/codex/bin/codex"}}));
  EXPECT_TRUE(o.new_session);
  EXPECT_EQ(o.stdin_fd, -1);   // /dev/null
  EXPECT_EQ(o.stdout_fd, -1);  // /dev/null
  EXPECT_GE(o.stderr_fd, 0);   // the job log
  EXPECT_EQ(o.keep_fds, (std::vector<std::pair<int, int>>{{lock_.get(), kWorkerLockFd}}));
  EXPECT_EQ(o.cwd, ws_.root);
  auto job = store_->get(job_.id);
  EXPECT_EQ((*job)->pid, 4242);
  EXPECT_EQ((*job)->pid_start_time, 777u);
}

// A write that fails in the middle of a transition: the worker cannot be started. The job ends
// in one terminal state (failed, with why), never left queued.
TEST_F(LaunchTest, SpawnFailureEndsTheJobFailed) {
  faults_.fail(sys::FaultInjectionEnv::Op::kSpawn, 1, "", "cannot fork: no memory");
  auto pid = launch_worker(*store_, job_, lock_.get(), {"/x", "/s", "/c"});
  ASSERT_FALSE(pid.ok());
  give_up_job(*store_, job_, pid.error().message);
  lock_.reset();
  auto job = store_->get(job_.id);
  EXPECT_EQ((*job)->status, store::JobStatus::kFailed);
  EXPECT_EQ((*job)->end_reason, store::EndReason::kError);
  EXPECT_EQ((*job)->error_message, "cannot fork: no memory");
}

TEST_F(LaunchTest, UnwritableLogIsRefusedBeforeAnythingStarts) {
  faults_.fail(sys::FaultInjectionEnv::Op::kOpenAppend, 1, ".log", "disk full");
  auto pid = launch_worker(*store_, job_, lock_.get(), {"/x", "/s", "/c"});
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.error().message.find("disk full"), std::string::npos);
  EXPECT_TRUE(env_.spawned().empty());
}

// A failed log write mid-transition does not stop the transition: the job still ends once.
TEST_F(LaunchTest, LogWriteFailureDoesNotStopTheTerminalTransition) {
  faults_.fail(sys::FaultInjectionEnv::Op::kAppendFile, 1, ".log", "disk full");
  give_up_job(*store_, job_, "worker vanished");
  auto job = store_->get(job_.id);
  EXPECT_EQ((*job)->status, store::JobStatus::kFailed);
  EXPECT_EQ(faults_.calls(sys::FaultInjectionEnv::Op::kAppendFile) >= 1, true);
}

// A lock file that cannot be created means no job at all: no row without a live owner.
TEST_F(LaunchTest, LockCreationFailureCreatesNoJob) {
  faults_.fail(sys::FaultInjectionEnv::Op::kCreateLock, 1, ".lock", "no inodes");
  auto created =
      store_->create(store::NewJob{store::JobKind::kTask, "T", "t", "s1", false, nullptr});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(store_->active({})->size(), 1u);  // only the fixture's own job
}

}  // namespace
}  // namespace companion::jobs
