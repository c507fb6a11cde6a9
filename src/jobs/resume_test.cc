#include "jobs/resume.h"

#include <gtest/gtest.h>

#include "jobs/jobs_test_support.h"
#include "sys/fake_env.h"
#include "sys/fs.h"

namespace companion::jobs {
namespace {

class ResumeTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    here_ = dir_ + "/codex-home";
    there_ = dir_ + "/other-home";
    for (const auto* d : {&here_, &there_}) ASSERT_TRUE(sys::ensure_private_dir(*d).ok());
    store_ = open(clock_);
  }
  // A job of `kind` in session s1 that ran thread `thread` under Codex home `home` ("" records
  // none), ended completed unless `active`; each one a second after the one before, so "the
  // latest" never rests on a tie of two jobs that ended in the same millisecond.
  std::string job(store::JobKind kind, const std::string& thread, const std::string& home,
                  bool ephemeral = false, bool active = false) {
    nlohmann::json request = {{"prompt", "p"}};
    if (ephemeral) request["ephemeral"] = true;
    clock_.advance(1000);
    auto created = store_->create(store::NewJob{kind, "Codex Task", "s", "s1", false, request});
    EXPECT_TRUE(created.ok()) << created.error().message;
    std::string id = created->job.id;
    store::JobPatch patch{.thread_id = thread};
    if (!home.empty()) patch.resolved = nlohmann::json{{"codexHome", home}};
    EXPECT_TRUE(*store_->update(id, patch));
    if (active) {
      locks_.push_back(std::move(created->lock));
    } else {
      EXPECT_TRUE(*store_->finish(id, store::make_terminal(store::EndReason::kCompleted)));
    }
    return id;
  }
  Result<std::string> resume() { return thread_to_resume(*store_, store::JobFilter{"s1"}, here_); }

  sys::FakeClockEnv clock_{sys::default_env()};
  std::string here_, there_;
  std::unique_ptr<store::JobStore> store_;
  std::vector<sys::UniqueFd> locks_;
};

TEST_F(ResumeTest, LatestTaskThreadOfThisHomeIsResumed) {
  job(store::JobKind::kTask, "thread-old", here_);
  job(store::JobKind::kTask, "thread-new", here_);
  job(store::JobKind::kReview, "thread-review", here_);                  // not a task
  job(store::JobKind::kTask, "thread-gate", here_, /*ephemeral=*/true);  // kept by nobody
  job(store::JobKind::kTask, "", here_);                                 // never got a thread
  auto thread = resume();
  ASSERT_TRUE(thread.ok()) << thread.error().message;
  EXPECT_EQ(*thread, "thread-new");
}

TEST_F(ResumeTest, ThreadUnderAnotherHomeIsPassedOverWithTheReason) {
  job(store::JobKind::kTask, "thread-here", here_);
  std::string elsewhere = job(store::JobKind::kTask, "thread-there", there_);
  auto choice = resume_candidate(*store_, store::JobFilter{"s1"}, here_);
  ASSERT_TRUE(choice.ok());
  ASSERT_TRUE(choice->candidate.has_value());
  EXPECT_EQ(choice->candidate->thread_id, "thread-here");
  EXPECT_NE(choice->passed_over.find(elsewhere + "'s thread is stored in the Codex home " + there_),
            std::string::npos)
      << choice->passed_over;
  EXPECT_NE(choice->passed_over.find("CODEX_HOME=" + there_), std::string::npos);
}

TEST_F(ResumeTest, NothingToResumeSaysWhy) {
  auto none = resume();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message.rfind("No previous Codex task thread was found", 0), 0u);
  job(store::JobKind::kTask, "thread-there", there_);
  auto only_elsewhere = resume();
  ASSERT_FALSE(only_elsewhere.ok());
  EXPECT_NE(only_elsewhere.error().message.find("can be resumed here"), std::string::npos);
  EXPECT_NE(only_elsewhere.error().message.find(there_), std::string::npos);
}

TEST_F(ResumeTest, ActiveTaskMustEndBeforeResuming) {
  job(store::JobKind::kTask, "thread-old", here_);
  std::string running = job(store::JobKind::kTask, "thread-live", here_, false, /*active=*/true);
  auto thread = resume();
  ASSERT_FALSE(thread.ok());
  EXPECT_NE(thread.error().message.find("task " + running + " is still queued"), std::string::npos)
      << thread.error().message;
}

TEST_F(ResumeTest, NamedThreadOfAnotherHomeIsRefusedAndAnUnknownOneIsCodexsToJudge) {
  job(store::JobKind::kTask, "thread-there", there_);
  auto refused = check_named_thread(*store_, here_, "thread-there");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot resume thread thread-there"), std::string::npos);
  EXPECT_TRUE(check_named_thread(*store_, here_, "thread-unknown").ok());
  job(store::JobKind::kTask, "thread-there", here_);  // later run under this home too
  EXPECT_TRUE(check_named_thread(*store_, here_, "thread-there").ok());
}

TEST_F(ResumeTest, RetryResumesOnlyATasksOwnThreadUnderThisHome) {
  auto load = [&](const std::string& id) { return **store_->get(id); };
  auto ok = retry_thread(sys::default_env(), here_, load(job(store::JobKind::kTask, "t1", here_)));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "t1");
  EXPECT_FALSE(
      retry_thread(sys::default_env(), here_, load(job(store::JobKind::kReview, "t2", here_)))
          .ok());
  EXPECT_FALSE(
      retry_thread(sys::default_env(), here_, load(job(store::JobKind::kTask, "", here_))).ok());
  auto other =
      retry_thread(sys::default_env(), here_, load(job(store::JobKind::kTask, "t3", there_)));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().message.rfind("cannot resume: ", 0), 0u);
  // A job from before homes were recorded: its thread may be anywhere.
  auto unknown =
      retry_thread(sys::default_env(), here_, load(job(store::JobKind::kTask, "t4", "")));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("recorded no Codex home"), std::string::npos);
}

}  // namespace
}  // namespace companion::jobs
