#include "jobs/outcome.h"

#include <gtest/gtest.h>

namespace companion::jobs {
namespace {

codex::TurnOutcome completed(std::string final_message) {
  codex::TurnOutcome turn;
  turn.end_reason = TurnEnd::kCompleted;
  turn.result.status = TurnStatus::kCompleted;
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
  turn.end_reason = TurnEnd::kStalled;
  turn.error_message = "No activity from Codex for 600 s";
  JobOutcome out = build_outcome(request(store::JobKind::kTask), turn);
  EXPECT_EQ(out.terminal.status, store::JobStatus::kFailed);
  EXPECT_EQ(out.terminal.end_reason, store::EndReason::kStalled);
  EXPECT_EQ(out.terminal.error_message, "No activity from Codex for 600 s");
  turn.end_reason = TurnEnd::kCancelled;
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), turn).terminal.status,
            store::JobStatus::kCancelled);
}

// Regression (a misspelt end reason became "error" silently: the turn's end was a string parsed
// with a default): every way a turn ends becomes the job end reason of the same name, through
// one exhaustive switch; none falls back to error.
TEST(Outcome, EveryTurnEndBecomesTheJobEndReasonOfTheSameName) {
  for (int i = 0; i <= static_cast<int>(kLastTurnEnd); ++i) {
    auto end = static_cast<TurnEnd>(i);
    EXPECT_EQ(to_string(job_end_reason(end)), to_string(end));
  }
}

// Regression (issue 9): a job's summary stayed the start one ("Review of the working tree
// diff"); the reference replaces it at the end with what the job found.
TEST(Outcome, SummaryBecomesWhatTheJobFound) {
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), completed("\n  Fixed it.  \nDetails"))
                .terminal.summary,
            "Fixed it.");
  codex::TurnOutcome review = completed("");
  review.result.review_text = "Reviewed uncommitted changes.\nNo material issues found.";
  EXPECT_EQ(build_outcome(request(store::JobKind::kReview), review).terminal.summary,
            "Reviewed uncommitted changes.");
  std::string answer =
      R"({"verdict":"approve","summary":"Ship it.","findings":[],"next_steps":[]})";
  EXPECT_EQ(build_outcome(request(store::JobKind::kAdversarialReview), completed(answer))
                .terminal.summary,
            "Ship it.");
  JobOutcome unparsed =
      build_outcome(request(store::JobKind::kAdversarialReview), completed("not json"));
  EXPECT_NE(unparsed.terminal.summary.find("not valid JSON"), std::string::npos)
      << unparsed.terminal.summary;
  codex::TurnOutcome failed = completed("");
  failed.end_reason = TurnEnd::kTurnFailed;
  failed.error_message = "HTTP 500\nmore";
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), failed).terminal.summary, "HTTP 500");
  failed.end_reason = TurnEnd::kCancelled;
  EXPECT_EQ(build_outcome(request(store::JobKind::kTask), failed).terminal.summary, "");
  EXPECT_LE(build_outcome(request(store::JobKind::kTask), completed(std::string(5000, 'x')))
                .terminal.summary.size(),
            250u);
}

}  // namespace
}  // namespace companion::jobs
