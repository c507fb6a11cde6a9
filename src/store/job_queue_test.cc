#include <gtest/gtest.h>
#include <stdlib.h>

#include "store/job_store.h"
#include "store/settings.h"
#include "store/store_test_support.h"
#include "sys/env.h"
#include "sys/lock.h"

namespace companion::store {
namespace {

class JobQueueTest : public testing::WorkspaceFixture {
 protected:
  JobStore open() {
    auto s = JobStore::open(ws_, sys::default_env(), JobStore::Options{});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }
  std::string waiting_job(JobStore& store, const std::string& title) {
    NewJob spec{JobKind::kTask, title, "summary", "s", false, {{"prompt", title}}};
    spec.wait_for_slot = true;
    auto created = store.create(spec);
    EXPECT_TRUE(created.ok()) << created.error().message;
    EXPECT_FALSE(created->lock.valid());
    EXPECT_TRUE(created->job.waiting());
    return created->job.id;
  }
};

TEST_F(JobQueueTest, WaitingJobIsNotReconciledAsDeadAndHasNoLock) {
  JobStore store = open();
  std::string id = waiting_job(store, "one");
  EXPECT_EQ(*sys::probe_lock(ws_.lock_path(id)), sys::LockState::kMissing);
  EXPECT_TRUE(store.ownerless()->empty());
  auto got = store.get(id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->status, JobStatus::kQueued);
  EXPECT_TRUE((*got)->waiting());
  // A worker cannot start a job nobody claimed.
  EXPECT_FALSE(*store.start(id, StartInfo{123, 0}));
}

TEST_F(JobQueueTest, ClaimsOldestFirstWithinTheLimit) {
  JobStore store = open();
  std::vector<std::string> ids;
  ids.reserve(4);
  for (int i = 0; i < 4; ++i) ids.push_back(waiting_job(store, "job " + std::to_string(i)));
  auto queue = store.queue();
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 4u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*queue)[i].id, ids[i]);

  auto first = store.claim_queued(2);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->job.id, ids[0]);
  EXPECT_EQ(*sys::probe_lock(ws_.lock_path(ids[0])), sys::LockState::kHeld);
  auto second = store.claim_queued(2);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->job.id, ids[1]);
  auto none = store.claim_queued(2);  // both slots taken
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  // The first ends: its slot goes to the next in line.
  ASSERT_TRUE(*store.finish(ids[0], make_terminal(EndReason::kCompleted, "")));
  auto third = store.claim_queued(2);
  ASSERT_TRUE(third.ok() && third->has_value());
  EXPECT_EQ((*third)->job.id, ids[2]);
}

TEST_F(JobQueueTest, DeadClaimerFreesItsSlot) {
  JobStore store = open();
  std::string a = waiting_job(store, "a");
  std::string b = waiting_job(store, "b");
  {
    auto claimed = store.claim_queued(1);
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    // Its lock is dropped here: the owner is gone without starting a worker.
  }
  auto blocked = store.claim_queued(1);  // its slot is taken until its end is recorded
  ASSERT_TRUE(blocked.ok());
  EXPECT_FALSE(blocked->has_value());
  auto gone = store.ownerless();
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 1u);
  ASSERT_EQ(*store.record_ownerless(*gone), std::vector<std::string>{a});
  auto next = store.claim_queued(1);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->job.id, b);
  auto dead = store.get(a);
  ASSERT_TRUE(dead.ok() && dead->has_value());
  EXPECT_EQ((*dead)->status, JobStatus::kFailed);
}

TEST_F(JobQueueTest, CancelledWhileWaitingIsNeverClaimed) {
  JobStore store = open();
  std::string a = waiting_job(store, "a");
  EXPECT_TRUE(*store.finish_waiting(a, make_terminal(EndReason::kCancelled, "Cancelled.")));
  auto none = store.claim_queued(4);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(*store.finish_waiting(a, make_terminal(EndReason::kCancelled, "again")));
}

TEST_F(JobQueueTest, ClaimedJobCannotBeFinishedAsWaiting) {
  JobStore store = open();
  std::string a = waiting_job(store, "a");
  auto claimed = store.claim_queued(1);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_FALSE(*store.finish_waiting(a, make_terminal(EndReason::kCancelled, "late")));
}

TEST_F(JobQueueTest, TwoStoresClaimingAtOnceNeverClaimTheSameJob) {
  JobStore one = open();
  JobStore two = open();
  for (int i = 0; i < 6; ++i) waiting_job(one, "job");
  std::vector<CreatedJob> held;
  for (int round = 0; round < 6; ++round) {
    JobStore& s = round % 2 == 0 ? one : two;
    auto c = s.claim_queued(6);
    ASSERT_TRUE(c.ok() && c->has_value());
    for (const auto& h : held) EXPECT_NE(h.job.id, (*c)->job.id);
    held.push_back(std::move(**c));
  }
  auto none = two.claim_queued(10);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(JobQueueTest, QueueIsReadyOnlyWhenAJobWaitsAndASlotIsFree) {
  JobStore store = open();
  ASSERT_TRUE(store.set_config(std::string(kMaxParallelKey), "1").ok());
  EXPECT_FALSE(*store.queue_ready());  // nothing waits
  std::string a = waiting_job(store, "a");
  waiting_job(store, "b");
  EXPECT_TRUE(*store.queue_ready());
  auto claimed = store.claim_queued(1);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->job.id, a);
  EXPECT_FALSE(*store.queue_ready());  // b waits, but the only slot is taken
  ASSERT_TRUE(*store.finish(a, make_terminal(EndReason::kCompleted, "")));
  EXPECT_TRUE(*store.queue_ready());
}

}  // namespace
}  // namespace companion::store

namespace companion::store {
namespace {

TEST_F(JobQueueTest, QueuePauseIsKeptAcrossReopenAndResumeClearsIt) {
  {
    JobStore store = open();
    EXPECT_FALSE(store.queue_state()->paused());
    EXPECT_TRUE(*store.set_queue_paused(true));
    EXPECT_FALSE(*store.set_queue_paused(true));  // already paused: the first time stays
  }
  JobStore store = open();
  auto state = store.queue_state();
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->paused());
  EXPECT_GT(state->paused_at, 0);
  EXPECT_TRUE(*store.set_queue_paused(false));
  EXPECT_FALSE(store.queue_state()->paused());
  EXPECT_FALSE(*store.set_queue_paused(false));
}

TEST_F(JobQueueTest, RateLimitsRecordedKeepTheResetUntilReplaced) {
  JobStore store = open();
  nlohmann::json snapshot = {{"primary", {{"usedPercent", 100}, {"resetsAt", 2000000000}}}};
  ASSERT_TRUE(store.record_rate_limits(snapshot, int64_t{2000000000000}).ok());
  ASSERT_TRUE(store.record_rate_limits({{"primary", {{"usedPercent", 40}}}}, std::nullopt).ok());
  auto state = store.queue_state();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->rate_limited_until, 2000000000000);
  EXPECT_EQ(state->rate_limits["primary"]["usedPercent"], 40);
  EXPECT_TRUE(state->rate_limited(1999999999999));
  EXPECT_FALSE(state->rate_limited(2000000000000));
}

}  // namespace
}  // namespace companion::store
