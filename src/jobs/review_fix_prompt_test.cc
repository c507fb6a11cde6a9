#include "jobs/review_fix_prompt.h"

#include <gtest/gtest.h>

namespace companion::jobs {
namespace {

const std::string kTemplate = "Review: {{REVIEW_SOURCE}}\n{{FINDINGS}}\n{{USER_INSTRUCTIONS}}";

store::Job adversarial(nlohmann::json result) {
  store::Job job;
  job.id = "adversarial-review-x-1";
  job.kind = store::JobKind::kAdversarialReview;
  job.status = store::JobStatus::kCompleted;
  job.request = {{"target", {{"label", "working tree diff"}}}};
  job.result = {{"result", std::move(result)}, {"rawOutput", "{...}"}};
  return job;
}

TEST(ReviewFixPrompt, BuildsThePromptFromStoredFindings) {
  auto job = adversarial({{"verdict", "needs-attention"},
                          {"summary", "One bug."},
                          {"findings",
                           {{{"severity", "high"},
                             {"title", "Off by one"},
                             {"body", "The loop skips the last item."},
                             {"file", "src/a.cc"},
                             {"line_start", 10},
                             {"line_end", 12},
                             {"recommendation", "Use <=."}}}}});
  auto prompt = review_fix_prompt(kTemplate, job, "only touch src/");
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  EXPECT_NE(prompt->find("adversarial-review job adversarial-review-x-1 of the working tree diff, "
                         "verdict needs-attention"),
            std::string::npos)
      << *prompt;
  EXPECT_NE(prompt->find("1. [high] Off by one (src/a.cc:10-12)"), std::string::npos);
  EXPECT_NE(prompt->find("Recommendation: Use <=."), std::string::npos);
  EXPECT_NE(prompt->find("only touch src/"), std::string::npos);
}

TEST(ReviewFixPrompt, UsesANativeReviewsText) {
  store::Job job;
  job.id = "review-x-1";
  job.kind = store::JobKind::kReview;
  job.status = store::JobStatus::kCompleted;
  job.result = {{"codex", {{"stdout", "- [P1] Null check missing in b.cc:3"}}}};
  auto prompt = review_fix_prompt(kTemplate, job, "");
  ASSERT_TRUE(prompt.ok());
  EXPECT_NE(prompt->find("Null check missing"), std::string::npos);
}

TEST(ReviewFixPrompt, RefusesWhatIsNotAFinishedReviewWithFindings) {
  store::Job task;
  task.id = "task-x-1";
  task.status = store::JobStatus::kCompleted;
  EXPECT_NE(review_findings_text(task).error().message.find("is a task, not a review"),
            std::string::npos);
  auto running = adversarial(nullptr);
  running.status = store::JobStatus::kRunning;
  EXPECT_NE(review_findings_text(running).error().message.find("still running"), std::string::npos);
  auto failed = adversarial(nullptr);
  failed.status = store::JobStatus::kFailed;
  EXPECT_NE(review_findings_text(failed).error().message.find("ended failed"), std::string::npos);
  auto clean = adversarial({{"verdict", "approve"}, {"findings", nlohmann::json::array()}});
  EXPECT_NE(review_findings_text(clean).error().message.find("found nothing to fix"),
            std::string::npos);
}

TEST(ReviewFixPrompt, FallsBackToTheRawAnswerWhenItWasNotParsed) {
  auto job = adversarial(nullptr);
  job.result["rawOutput"] = "BLOCK: the parser leaks";
  auto text = review_findings_text(job);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("the parser leaks"), std::string::npos);
}

}  // namespace
}  // namespace companion::jobs
