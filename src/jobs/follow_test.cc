#include "jobs/follow.h"

#include <gtest/gtest.h>

#include "jobs/fake_owner_env.h"
#include "jobs/jobs_test_support.h"
#include "store/job_log.h"

namespace companion::jobs {
namespace {

// A follow on the fake clock: its waits sleep on it (a log that cannot be watched: polling), and
// `on_wait` runs at each wait with the fake time it started at, to write what the test needs.
class FollowTest : public testing::OwnedJobFixture {
 protected:
  void SetUp() override {
    OwnedJobFixture::SetUp();
    start_ = env_.monotonic_ms();
    offset_ = env_.file_size(job_.log_file);  // the "created" line was read before the follow
  }
  Result<store::Job> follow(const FollowOptions& options = {}) {
    auto wait = [this](int timeout_ms) {
      bool changed = on_wait ? on_wait(env_.monotonic_ms() - start_) : false;
      env_.sleep_ms(timeout_ms);
      return changed;
    };
    auto sink = [this](const std::string& line) { lines_.push_back(line); };
    return follow_job(*store_, job_, offset_, store::LineSplitter(), SettleEffects{}, wait, sink,
                      options);
  }
  void log(const std::string& text) { ASSERT_TRUE(env_.append_file(job_.log_file, text).ok()); }
  // Another process records the job's end (the owner still holds its lock until it exits).
  void finish_elsewhere(store::EndReason reason) {
    auto other = store::JobStore::open(ws_, sys::default_env(), {});
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(*other->finish(job_.id, store::make_terminal(reason)));
  }

  int64_t start_ = 0;
  int64_t offset_ = 0;
  std::vector<std::string> lines_;
  std::function<bool(int64_t elapsed_ms)> on_wait;
};

TEST_F(FollowTest, LinesAsWrittenThenTheOwnersLastLinesAfterItsEnd) {
  on_wait = [this](int64_t elapsed) {
    if (elapsed == 0) log("one\ntw");
    if (elapsed == 250) log("o\n");
    if (elapsed == 500) {  // the owner records its end, writes its last line and exits
      finish_elsewhere(store::EndReason::kCompleted);
      log("Job ended: completed\n");
      env_.release_at(env_.monotonic_ms());
      return true;
    }
    return false;
  };
  auto ended = follow();
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, store::JobStatus::kCompleted);
  EXPECT_EQ(lines_, (std::vector<std::string>{"one", "two", "Job ended: completed"}));
}

TEST_F(FollowTest, DeadWorkerEndsTheFollowAsFailedWithinAWake) {
  env_.release_at(start_ + 300);  // SIGKILLed: nothing written
  auto ended = follow();
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, store::JobStatus::kFailed);
  EXPECT_EQ(ended->end_reason, store::EndReason::kWorkerDied);
  // Seen at the first lock probe after it died, then the log was quiet for one wait.
  EXPECT_EQ(env_.monotonic_ms() - start_, 500 + 200);
  ASSERT_FALSE(lines_.empty());
  EXPECT_NE(lines_.back().find("Worker exited unexpectedly"), std::string::npos);
}

TEST_F(FollowTest, EndWrittenElsewhereIsReadWhileTheOwnerStillHoldsItsLock) {
  finish_elsewhere(store::EndReason::kCancelled);
  auto ended = follow();
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->status, store::JobStatus::kCancelled);
  EXPECT_EQ(env_.monotonic_ms() - start_, 1000 + 200);  // one store read interval, one quiet wait
}

TEST_F(FollowTest, ALogStillWrittenAfterTheEndIsFollowedOnlyWithinTheBound) {
  finish_elsewhere(store::EndReason::kCompleted);
  env_.release_at(start_);
  on_wait = [this](int64_t) {
    log("more\n");
    return true;
  };
  FollowOptions options;
  auto ended = follow(options);
  ASSERT_TRUE(ended.ok());
  int64_t after_end = env_.monotonic_ms() - start_ - options.wake_ms;
  EXPECT_GE(after_end, options.quiet_bound_ms);
  EXPECT_LT(after_end, options.quiet_bound_ms + options.quiet_ms);
}

TEST_F(FollowTest, UnfinishedLastLineIsHandedOverAtTheEnd) {
  log("no newline");
  finish_elsewhere(store::EndReason::kCompleted);
  env_.release_at(start_);
  auto ended = follow();
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(lines_, std::vector<std::string>{"no newline"});
}

}  // namespace
}  // namespace companion::jobs
