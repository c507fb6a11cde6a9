#include "jobs/wait.h"

#include <gtest/gtest.h>

#include "jobs/fake_owner_env.h"
#include "jobs/jobs_test_support.h"

namespace companion::jobs {
namespace {

using WaitTest = testing::OwnedJobFixture;

TEST_F(WaitTest, EndsWithinAProbeOfTheOwnersExit) {
  auto other = store::JobStore::open(ws_, sys::default_env(), {});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(*other->finish(job_.id, store::make_terminal(store::EndReason::kCompleted)));
  int64_t start = env_.monotonic_ms();
  env_.release_at(start + 2000);
  auto waited = wait_for_job(*store_, job_, 60000, 1000000, SettleEffects{});
  ASSERT_TRUE(waited.ok()) << waited.error().message;
  EXPECT_FALSE(waited->timed_out);
  EXPECT_EQ(waited->job.status, store::JobStatus::kCompleted);
  EXPECT_LE(env_.monotonic_ms() - start, 2005);
}

TEST_F(WaitTest, OwnerThatDiesWithoutAWordEndsTheWaitAsFailed) {
  env_.release_at(env_.monotonic_ms() + 300);  // SIGKILLed: nothing written
  auto waited = wait_for_job(*store_, job_, 60000, 1000000, SettleEffects{});
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->job.status, store::JobStatus::kFailed);
  EXPECT_EQ(waited->job.end_reason, store::EndReason::kWorkerDied);
}

TEST_F(WaitTest, TimesOutAtTheDeadlineWithTheJobStillActive) {
  int64_t start = env_.monotonic_ms();
  auto waited = wait_for_job(*store_, job_, 1500, 100, SettleEffects{});
  ASSERT_TRUE(waited.ok());
  EXPECT_TRUE(waited->timed_out);
  EXPECT_EQ(waited->job.status, store::JobStatus::kRunning);
  EXPECT_EQ(env_.monotonic_ms() - start, 1500);
}

TEST_F(WaitTest, EndWrittenByAnotherProcessIsSeenAtThePollWhileTheOwnerLives) {
  auto other = store::JobStore::open(ws_, sys::default_env(), {});
  ASSERT_TRUE(*other->finish(job_.id, store::make_terminal(store::EndReason::kCancelled)));
  int64_t start = env_.monotonic_ms();
  auto waited = wait_for_job(*store_, job_, 60000, 100, SettleEffects{});
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->job.status, store::JobStatus::kCancelled);
  EXPECT_LE(env_.monotonic_ms() - start, 105);
}

}  // namespace
}  // namespace companion::jobs
