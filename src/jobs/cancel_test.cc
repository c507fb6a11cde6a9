#include "jobs/cancel.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "jobs/fake_owner_env.h"
#include "jobs/jobs_test_support.h"

namespace companion::jobs {
namespace {

using testing::FakeOwnerEnv;
using Target = FakeOwnerEnv::Signal::Target;

class CancelTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    store_ = open(env_);
  }
  store::Job owned_job(const FakeOwnerEnv::Owner& owner, int64_t app_server = 0) {
    store::Job job = running_job(*store_, owner.pid, owner.start_time, lock_);
    if (app_server != 0) {
      EXPECT_TRUE(*store_->update(
          job.id, store::JobPatch{.app_server_pid = app_server, .app_server_start_time = 555}));
      job = **store_->get(job.id);
    }
    env_.set_owner(ws_.lock_path(job.id), owner);
    return job;
  }
  std::vector<int> signals_to(pid_t pid, Target target) {
    std::vector<int> out;
    for (const auto& s : env_.signals()) {
      if (s.pid == pid && s.target == target) out.push_back(s.sig);
    }
    return out;
  }

  FakeOwnerEnv env_{sys::default_env()};
  std::unique_ptr<store::JobStore> store_;
  sys::UniqueFd lock_;
};

TEST_F(CancelTest, WorkerThatStopsOnTermIsNotKilled) {
  store::Job job = owned_job({.term_release_ms = 400});
  int64_t start = env_.monotonic_ms();
  auto out = cancel_job(*store_, job);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->job.status, store::JobStatus::kCancelled);
  EXPECT_EQ(out->job.end_reason, store::EndReason::kCancelled);
  EXPECT_TRUE(out->job.cancel_requested);
  EXPECT_EQ(signals_to(4242, Target::kGroup), (std::vector<int>{SIGTERM, SIGCONT}));
  EXPECT_TRUE(env_.ended_sessions().empty());
  EXPECT_GE(env_.monotonic_ms() - start, 400);
  EXPECT_LT(env_.monotonic_ms() - start, 500);
}

TEST_F(CancelTest, WorkerThatIgnoresTermIsKilledWithWhatItStarted) {
  store::Job job = owned_job({.term_release_ms = -1}, /*app_server=*/5151);
  int64_t start = env_.monotonic_ms();
  auto out = cancel_job(*store_, job, CancelOptions{.term_grace_ms = 3000});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->job.status, store::JobStatus::kCancelled);
  EXPECT_EQ(signals_to(4242, Target::kGroup), (std::vector<int>{SIGTERM, SIGCONT, SIGKILL}));
  // The worker's session and its app-server's session are ended, by identity.
  EXPECT_EQ(env_.ended_sessions(),
            (std::vector<std::pair<pid_t, uint64_t>>{{4242, 777}, {5151, 555}}));
  int64_t took = env_.monotonic_ms() - start;
  EXPECT_GE(took, 3000);
  EXPECT_LE(took, 4500);  // the whole cancel stays within its bound
}

TEST_F(CancelTest, ForegroundOwnerIsSignalledAloneNeverItsGroup) {
  store::Job job = owned_job({.pid = 4343, .leads_session = false, .term_release_ms = 100});
  ASSERT_TRUE(cancel_job(*store_, job).ok());
  EXPECT_EQ(signals_to(4343, Target::kProcess), (std::vector<int>{SIGTERM, SIGCONT}));
  EXPECT_TRUE(signals_to(4343, Target::kGroup).empty());
}

TEST_F(CancelTest, RecycledPidIsNeverSignalled) {
  store::Job job = owned_job({.term_release_ms = 100});
  // The row names another process that once had this pid.
  ASSERT_TRUE(*store_->update(job.id, store::JobPatch{.pid_start_time = 1}));
  job = **store_->get(job.id);
  env_.release_at(env_.monotonic_ms() + 50);  // the real owner ends by itself
  auto out = cancel_job(*store_, job);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(env_.signals().empty());
  EXPECT_EQ(out->job.status, store::JobStatus::kCancelled);
}

TEST_F(CancelTest, InterruptAttemptIsReportedEvenWhenTheOwnerHadToBeKilled) {
  store::Job job = owned_job({.term_release_ms = -1});
  // The worker recorded that it asked Codex to interrupt, then hung.
  ASSERT_TRUE(*store_->update(job.id, store::JobPatch{.turn_interrupt_attempted = true}));
  auto out = cancel_job(*store_, **store_->get(job.id));
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->turn_interrupt_attempted);
  EXPECT_FALSE(out->turn_interrupted);
}

TEST_F(CancelTest, FinishedJobIsAnError) {
  store::Job job = owned_job({});
  ASSERT_TRUE(*store_->finish(job.id, store::make_terminal(store::EndReason::kCompleted)));
  auto out = cancel_job(*store_, **store_->get(job.id));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("already completed"), std::string::npos);
  EXPECT_TRUE(env_.signals().empty());
}

// Another writer finished the job while the cancel waited: its state stays, nothing overwrites it.
TEST_F(CancelTest, OwnersOwnEndWinsTheRace) {
  store::Job job = owned_job({.term_release_ms = -1});
  auto other = store::JobStore::open(ws_, sys::default_env(), {});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(*other->finish(job.id, store::make_terminal(store::EndReason::kCompleted)));
  env_.release_at(env_.monotonic_ms());
  auto out = cancel_job(*store_, job);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->job.status, store::JobStatus::kCompleted);
}

}  // namespace
}  // namespace companion::jobs
