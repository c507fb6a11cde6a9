#include "render/review.h"

#include <gtest/gtest.h>

namespace companion::render {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr const char* kValid = R"({
  "verdict": "needs-attention",
  "summary": "Do not ship: the lock can leak.",
  "findings": [
    {"severity": "low", "title": "Nit", "body": "Minor.", "file": "b.cc", "line_start": 3,
     "line_end": 3, "confidence": 0.3, "recommendation": "Tidy."},
    {"severity": "critical", "title": "Lock leak", "body": "Line one.\nLine two.",
     "file": "z.cc", "line_start": 10, "line_end": 14, "confidence": 0.9,
     "recommendation": "Release it in a destructor."},
    {"severity": "high", "title": "Race", "body": "Two writers.", "file": "a.cc",
     "line_start": 7, "line_end": 9, "confidence": 0.75, "recommendation": "Use CAS."},
    {"severity": "critical", "title": "Earlier crit", "body": "b", "file": "a.cc",
     "line_start": 50, "line_end": 50, "confidence": 1, "recommendation": ""}
  ],
  "next_steps": ["Fix the leak", "Add a test"]
})";

TEST(ParseAdversarialOutput, AcceptsBareJson) {
  auto parsed = parse_adversarial_output(kValid);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["verdict"], "needs-attention");
  EXPECT_EQ((*parsed)["findings"].size(), 4u);
}

TEST(ParseAdversarialOutput, AcceptsAFencedBlockWithTextAround) {
  std::string raw = std::string("Here is my review:\n\n```json\n") + kValid + "\n```\nThanks.";
  auto parsed = parse_adversarial_output(raw);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["next_steps"][1], "Add a test");
}

TEST(ParseAdversarialOutput, AcceptsAnUntaggedFence) {
  auto parsed = parse_adversarial_output(
      "```\n{\"verdict\":\"approve\",\"summary\":\"ok\",\"findings\":[],\"next_steps\":[]}\n```");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["verdict"], "approve");
}

TEST(ParseAdversarialOutput, AcceptsAnObjectInsideProse) {
  auto parsed = parse_adversarial_output(std::string("Result: ") + kValid + " -- end");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["summary"], "Do not ship: the lock can leak.");
}

TEST(ParseAdversarialOutput, NotJsonIsAParseError) {
  auto parsed = parse_adversarial_output("The change looks fine to me.");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(contains(parsed.error().message, "not valid JSON")) << parsed.error().message;
}

TEST(ParseAdversarialOutput, EmptyIsAnError) {
  auto parsed = parse_adversarial_output("  \n ");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(contains(parsed.error().message, "empty"));
}

TEST(ParseAdversarialOutput, TruncatedJsonIsAParseError) {
  std::string raw(kValid);
  auto parsed = parse_adversarial_output(raw.substr(0, raw.size() / 2));
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(contains(parsed.error().message, "not valid JSON"));
}

// Found by fuzz/review_output (fuzz/crashes/review_output/deep-nesting): an answer of the right
// shape with a member nested 100,000 levels deep was accepted, and storing it (a dump) or copying
// it then overflowed the stack.
TEST(ParseAdversarialOutput, AnswerNestedTooDeepIsRefusedInsteadOfOverflowingTheStack) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto parsed = parse_adversarial_output(
      R"({"verdict":"approve","summary":"ok","findings":[],"next_steps":[],"extra":)" + deep + "}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(contains(parsed.error().message, "nested deeper than 256 levels"))
      << parsed.error().message;
}

TEST(ParseAdversarialOutput, WrongShapesAreNamed) {
  struct Case {
    const char* raw;
    const char* expected;
  } cases[] = {
      {"[1, 2]", "top level"},
      {R"({"summary":"s","findings":[],"next_steps":[]})", "`verdict`"},
      {R"({"verdict":"ship-it","summary":"s","findings":[],"next_steps":[]})", "\"ship-it\""},
      {R"({"verdict":"approve","findings":[],"next_steps":[]})", "`summary`"},
      {R"({"verdict":"approve","summary":"s","findings":{},"next_steps":[]})", "`findings`"},
      {R"({"verdict":"approve","summary":"s","findings":[3],"next_steps":[]})", "findings[0]"},
      {R"({"verdict":"approve","summary":"s","findings":[]})", "`next_steps`"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_adversarial_output(c.raw);
    ASSERT_FALSE(parsed.ok()) << c.raw;
    EXPECT_TRUE(contains(parsed.error().message, "unexpected review shape")) << c.raw;
    EXPECT_TRUE(contains(parsed.error().message, c.expected)) << parsed.error().message;
  }
}

TEST(SortedFindings, OrdersBySeverityThenFileThenLine) {
  auto parsed = parse_adversarial_output(kValid);
  ASSERT_TRUE(parsed.ok());
  auto findings = sorted_findings(*parsed);
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].title, "Earlier crit");  // critical, a.cc
  EXPECT_EQ(findings[1].title, "Lock leak");     // critical, z.cc
  EXPECT_EQ(findings[2].title, "Race");
  EXPECT_EQ(findings[3].title, "Nit");
}

TEST(SortedFindings, NormalizesMissingAndBadFields) {
  auto review = nlohmann::json::parse(R"({"findings": [
    {"severity": "HIGH", "line_start": 9, "line_end": 4, "confidence": 7},
    {"severity": "urgent", "file": "x", "line_start": -2, "line_end": "3", "confidence": "high"},
    "not an object"
  ]})");
  auto findings = sorted_findings(review);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].severity, "high");
  EXPECT_EQ(findings[0].title, "Finding 1");
  EXPECT_EQ(finding_location(findings[0]), "unknown file:9");  // end before start: start only
  EXPECT_DOUBLE_EQ(findings[0].confidence, 1.0);               // clamped
  EXPECT_EQ(findings[1].severity, "low");                      // the non-object defaults
  EXPECT_EQ(findings[1].title, "Finding 3");
  EXPECT_EQ(findings[2].severity, "urgent");  // unknown severities sort last
  EXPECT_EQ(finding_location(findings[2]), "x");
  EXPECT_LT(findings[2].confidence, 0);
}

TEST(FindingLocation, Forms) {
  Finding f;
  f.file = "src/a.cc";
  EXPECT_EQ(finding_location(f), "src/a.cc");
  f.line_start = f.line_end = 10;
  EXPECT_EQ(finding_location(f), "src/a.cc:10");
  f.line_end = 12;
  EXPECT_EQ(finding_location(f), "src/a.cc:10-12");
}

TEST(RenderAdversarialReview, RendersVerdictFindingsAndNextSteps) {
  AdversarialReviewView view;
  view.target_label = "branch diff against main";
  view.result = *parse_adversarial_output(kValid);
  view.reasoning_summary = {"Checked the locking"};
  view.thread_id = "thr_123";
  std::string out = render_adversarial_review(view);
  EXPECT_EQ(out.rfind("# Codex Adversarial Review\n\nTarget: branch diff against main\n"
                      "Verdict: needs-attention\n\nDo not ship: the lock can leak.\n",
                      0),
            0u)
      << out;
  EXPECT_TRUE(contains(out, "1. [critical] Earlier crit (`a.cc:50`), confidence 1.00\n   b\n"));
  EXPECT_TRUE(
      contains(out,
               "2. [critical] Lock leak (`z.cc:10-14`), confidence 0.90\n"
               "   Line one.\n   Line two.\n   Recommendation: Release it in a destructor.\n"));
  EXPECT_LT(out.find("Lock leak"), out.find("[high] Race"));
  EXPECT_LT(out.find("[high] Race"), out.find("[low] Nit"));
  EXPECT_TRUE(contains(out, "Next steps:\n- Fix the leak\n- Add a test\n"));
  EXPECT_TRUE(contains(out, "Reasoning:\n- Checked the locking\n"));
  EXPECT_TRUE(contains(out, "Codex session ID: thr_123\nResume in Codex: codex resume thr_123\n"));
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.substr(out.size() - 2), "\n\n");
}

TEST(RenderAdversarialReview, ApproveWithoutFindings) {
  AdversarialReviewView view;
  view.result = nlohmann::json::parse(
      R"({"verdict":"approve","summary":"Safe.","findings":[],"next_steps":[]})");
  view.thread_id = "t";
  view.resume_hint = false;
  std::string out = render_adversarial_review(view);
  EXPECT_TRUE(contains(out, "Verdict: approve\n\nSafe.\n\nNo material findings.\n"));
  EXPECT_FALSE(contains(out, "Next steps"));
  EXPECT_FALSE(contains(out, "codex resume"));
}

TEST(RenderAdversarialReview, UnparseableShowsRawTextAndError) {
  AdversarialReviewView view;
  view.target_label = "working tree diff";
  view.raw_output = "I think it is fine.\n```\nnested fence\n```";
  auto parsed = parse_adversarial_output(view.raw_output);
  ASSERT_FALSE(parsed.ok());
  view.parse_error = parsed.error().message;
  std::string out = render_adversarial_review(view);
  EXPECT_TRUE(contains(out, "Codex did not return a valid structured review."));
  EXPECT_TRUE(contains(out, "- Parse error: the final message is not valid JSON"));
  // The raw text holds a ``` fence, so the block uses a longer one.
  EXPECT_TRUE(contains(out,
                       "Raw final message:\n\n````text\nI think it is fine.\n```\nnested "
                       "fence\n```\n````\n"))
      << out;
}

TEST(RenderAdversarialReview, ResultOfTheWrongShapeIsNotTrusted) {
  AdversarialReviewView view;
  view.result = nlohmann::json::parse(R"({"verdict": 3})");
  view.raw_output = R"({"verdict": 3})";
  std::string out = render_adversarial_review(view);
  EXPECT_TRUE(contains(out, "unexpected review shape")) << out;
  EXPECT_TRUE(contains(out, "Raw final message"));
}

TEST(RenderAdversarialReview, FailedTurnSaysSo) {
  AdversarialReviewView view;
  view.failure = "app-server exited (signal 9)";
  std::string out = render_adversarial_review(view);
  EXPECT_TRUE(contains(out, "failed before returning a verdict: app-server exited (signal 9)"));
  EXPECT_FALSE(contains(out, "Raw final message"));
}

TEST(RenderReviewResult, ShowsTextAsIsWithTargetAndResumeHint) {
  ReviewResultView view;
  view.target_label = "working tree diff";
  view.review_text = "Review comment:\n\n- [P1] Fix `x` — a.cc:3\n";
  view.thread_id = "019a-thread";
  std::string out = render_review_result(view);
  EXPECT_EQ(out,
            "# Codex Review\n\nTarget: working tree diff\n\nReview comment:\n\n- [P1] Fix `x` — "
            "a.cc:3\n\nCodex session ID: 019a-thread\nResume in Codex: codex resume 019a-thread\n");
}

TEST(RenderReviewResult, EmptyAndFailed) {
  ReviewResultView view;
  EXPECT_TRUE(contains(render_review_result(view), "without any review text"));
  EXPECT_FALSE(contains(render_review_result(view), "codex resume"));
  view.failure = "turn failed: quota";
  view.review_text = "partial";
  std::string out = render_review_result(view);
  EXPECT_TRUE(contains(out, "Codex review failed: turn failed: quota\n\npartial\n")) << out;
}

}  // namespace
}  // namespace companion::render
