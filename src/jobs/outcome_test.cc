#include "jobs/outcome.h"

#include <gtest/gtest.h>

namespace companion::jobs {
namespace {

codex::TurnOutcome completed(std::string final_message) {
  codex::TurnOutcome turn;
  turn.end_reason = "completed";
  turn.result.status = "completed";
  turn.result.thread_id = "thr";
  turn.result.final_message = std::move(final_message);
  return turn;
}

JobRequest request(store::JobKind kind) {
  JobRequest r;
  r.kind = kind;
  r.cwd = "/ws";
  return r;
}

// Regression (an empty answer passed for success): a turn that completed with no final message
// was stored completed with rawOutput "" and exit 0.
TEST(Outcome, CompletedTurnWithoutAnAnswerFailsNoFinalMessage) {
  for (auto kind :
       {store::JobKind::kTask, store::JobKind::kReview, store::JobKind::kAdversarialReview}) {
    JobOutcome out = build_outcome(request(kind), completed(""));
    EXPECT_EQ(out.terminal.status, store::JobStatus::kFailed) << store::to_string(kind);
    EXPECT_EQ(out.terminal.end_reason, store::EndReason::kNoFinalMessage);
    EXPECT_NE(out.terminal.error_message.find("Codex returned no answer"), std::string::npos);
    EXPECT_FALSE(out.payload.is_null());  // what was captured is kept
  }
  JobOutcome task = build_outcome(request(store::JobKind::kTask), completed(""));
  EXPECT_EQ(task.payload["status"], 1);
  EXPECT_EQ(task.payload["rawOutput"], "");
}

TEST(Outcome, SilentTurnThatChangedFilesStillCompletes) {
  codex::TurnOutcome turn = completed("");
  turn.result.touched_files = {"src/a.cc"};
  JobOutcome out = build_outcome(request(store::JobKind::kTask), turn);
  EXPECT_EQ(out.terminal.status, store::JobStatus::kCompleted);
  EXPECT_EQ(out.terminal.end_reason, store::EndReason::kCompleted);
}

TEST(Outcome, ReviewTextIsAnAnswer) {
  codex::TurnOutcome turn = completed("");
  turn.result.review_text = "No issues.";
  EXPECT_EQ(build_outcome(request(store::JobKind::kReview), turn).terminal.status,
            store::JobStatus::kCompleted);
}

TEST(Outcome, EndReasonDecidesTheStatus) {
  codex::TurnOutcome turn = completed("partial");
  turn.end_reason = "stalled";
  turn.error_message = "No activity from Codex for 600 s";
  JobOutcome out = build_outcome(request(store::JobKind::kTask), turn);
  EXPECT_EQ(out.terminal.status, store::JobStatus::kFailed);
  EXPECT_EQ(out.terminal.end_reason, store::EndReason::kStalled);
  EXPECT_EQ(out.terminal.error_message, "No activity from Codex for 600 s");
  turn.end_reason = "cancelled";
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), turn).terminal.status,
            store::JobStatus::kCancelled);
  turn.end_reason = "something-new";
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), turn).terminal.end_reason,
            store::EndReason::kError);
}

}  // namespace
}  // namespace companion::jobs
