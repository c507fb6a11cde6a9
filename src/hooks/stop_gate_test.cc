#include "hooks/stop_gate.h"

#include <gtest/gtest.h>

#include "assets/plugin_assets.h"

namespace companion::hooks {
namespace {

using Kind = GateAnswer::Kind;

store::Job review_job(store::JobStatus status, std::string error = "") {
  store::Job job;
  job.id = "task-mwu3p2vl-6e00y8";
  job.kind = store::JobKind::kTask;
  job.title = kStopGateTitle;
  job.summary = kStopGateSummary;
  job.status = status;
  job.error_message = std::move(error);
  return job;
}

TEST(StopGatePrompt, PlaceholderTakesClaudesMessageAsAClaim) {
  std::string prompt = stop_gate_prompt("<task>\nA\n{{CLAUDE_RESPONSE_BLOCK}}\n</task>",
                                        "  I completed the refactor.\n");
  EXPECT_NE(prompt.find("I completed the refactor."), std::string::npos);
  EXPECT_NE(prompt.find("do not take it as evidence"), std::string::npos);
  EXPECT_EQ(prompt.find("{{CLAUDE_RESPONSE_BLOCK}}"), std::string::npos);
  EXPECT_EQ(stop_gate_prompt("<task>{{CLAUDE_RESPONSE_BLOCK}}</task>", ""), "<task></task>");
  std::string huge(kMaxClaudeMessageBytes * 2, 'x');
  EXPECT_LT(stop_gate_prompt("{{CLAUDE_RESPONSE_BLOCK}}", huge).size(),
            kMaxClaudeMessageBytes + 400);
}

// The words the reference's test double keys on are in the template compiled into the binary.
TEST(StopGatePrompt, CompiledInTemplateHasTheContract) {
  auto text = assets::embedded_file(kStopGatePromptFile);
  ASSERT_TRUE(text.has_value());
  for (const char* needle : {"<task>", "<compact_output_contract>",
                             "Only review the work from the previous Claude turn.",
                             "ALLOW:", "BLOCK:", "{{CLAUDE_RESPONSE_BLOCK}}"}) {
    EXPECT_NE(text->find(needle), std::string::npos) << needle;
  }
}

TEST(GateAnswer, FirstLineDecides) {
  struct Case {
    const char* answer;
    Kind kind;
    const char* text;
  };
  const Case cases[] = {
      {"ALLOW: No blocking issues found in the previous turn.", Kind::kAllow,
       "No blocking issues found in the previous turn."},
      {"BLOCK: Missing empty-state guard in src/app.js:4-6.", Kind::kBlock,
       "Missing empty-state guard in src/app.js:4-6."},
      {"\n  BLOCK: x\n- evidence one\n- evidence two\n", Kind::kBlock,
       "x\n- evidence one\n- evidence two"},
      {"**BLOCK:** off by one in a.c:3", Kind::kBlock, "off by one in a.c:3"},
      {"`ALLOW`: fine", Kind::kAllow, "fine"},
      {"ALLOW", Kind::kAllow, ""},
      {"BLOCK", Kind::kBlock, ""},
      {"ALLOWED: maybe", Kind::kUnusable, ""},
      {"BLOCKING issue", Kind::kUnusable, ""},
      {"I think this should be BLOCK: x", Kind::kUnusable, ""},
      {"allow: lowercase is not the contract", Kind::kUnusable, ""},
      {"", Kind::kUnusable, ""},
      {"ECHO: <task>", Kind::kUnusable, ""},
  };
  for (const auto& c : cases) {
    GateAnswer a = parse_gate_answer(c.answer);
    EXPECT_EQ(a.kind, c.kind) << c.answer;
    EXPECT_EQ(a.text, c.text) << c.answer;
  }
}

TEST(StopDecision, BlockCarriesTheFindingAndHowToTurnTheGateOff) {
  StopDecision d = decide_after_review(review_job(store::JobStatus::kCompleted),
                                       "BLOCK: Missing empty-state guard in src/app.js:4-6.");
  ASSERT_TRUE(d.block_reason.has_value());
  EXPECT_NE(d.block_reason->find("Codex stop-time review found issues that still need fixes"),
            std::string::npos);
  EXPECT_NE(d.block_reason->find("Missing empty-state guard in src/app.js:4-6."),
            std::string::npos);
  EXPECT_NE(d.block_reason->find("/codex:setup --disable-review-gate"), std::string::npos);
  std::string huge = "BLOCK: " + std::string(kMaxFindingBytes * 3, 'y');
  EXPECT_LT(
      decide_after_review(review_job(store::JobStatus::kCompleted), huge).block_reason->size(),
      kMaxFindingBytes + 500);
}

// Regression: the finding reached Claude Code (its context and the user's terminal) with raw
// control characters (an OSC 52 clipboard write, a CSI clear-screen).
TEST(StopDecision, TheBlockReasonShowsControlCharactersVisibly) {
  StopDecision d = decide_after_review(review_job(store::JobStatus::kCompleted),
                                       "BLOCK: bad \x1b]52;c;ZXZpbA==\x07 and \x1b[2J and \xc2\x9b"
                                       "31m here\nsecond line");
  ASSERT_TRUE(d.block_reason.has_value());
  for (char c : *d.block_reason) {
    unsigned char u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n') << static_cast<int>(u);
  }
  EXPECT_EQ(d.block_reason->find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(d.block_reason->find("bad \\x1b]52;c;ZXZpbA==\\x07 and \\x1b[2J"), std::string::npos);
  EXPECT_NE(d.block_reason->find("here\nsecond line"), std::string::npos);
}

// Codex failing, timing out, answering nothing usable: the stop is allowed, and stderr says why
// (reference issues #248, #483).
TEST(StopDecision, NeverBlocksWithoutAVerdict) {
  const store::Job failing[] = {
      review_job(store::JobStatus::kFailed, "unexpected status 500 Internal Server Error"),
      review_job(store::JobStatus::kFailed, "Job deadline of 3 s reached"),
      review_job(store::JobStatus::kCancelled, "Cancelled by user."),
  };
  for (const auto& job : failing) {
    StopDecision d = decide_after_review(job, "BLOCK: a stale answer must not count");
    EXPECT_FALSE(d.block_reason.has_value()) << job.error_message;
    ASSERT_EQ(d.notes.size(), 1u);
    EXPECT_NE(d.notes[0].find("the stop is allowed"), std::string::npos);
    EXPECT_NE(d.notes[0].find(job.error_message), std::string::npos);
  }
  StopDecision odd =
      decide_after_review(review_job(store::JobStatus::kCompleted), "Looks fine to me.");
  EXPECT_FALSE(odd.block_reason.has_value());
  EXPECT_NE(odd.notes[0].find("neither ALLOW nor BLOCK"), std::string::npos);
  StopDecision allow =
      decide_after_review(review_job(store::JobStatus::kCompleted), "ALLOW: nothing changed");
  EXPECT_FALSE(allow.block_reason.has_value());
}

TEST(StopDecision, Notes) {
  store::Job running = review_job(store::JobStatus::kRunning);
  running.id = "task-live";
  running.summary = "fix the\nflaky test";
  auto notes = running_job_notes({running});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("Codex task task-live is still running"), std::string::npos);
  EXPECT_NE(notes[0].find("/codex:status task-live"), std::string::npos);
  EXPECT_NE(notes[0].find("/codex:cancel task-live"), std::string::npos);
  EXPECT_EQ(notes[0].find('\n'), std::string::npos);
  std::string unavailable = codex_unavailable_note("Codex CLI not found");
  EXPECT_NE(unavailable.find("Codex is not set up for the review gate"), std::string::npos);
  EXPECT_NE(unavailable.find("Run /codex:setup"), std::string::npos);
}

}  // namespace
}  // namespace companion::hooks
