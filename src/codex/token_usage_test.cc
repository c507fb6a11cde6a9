#include "codex/token_usage.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

nlohmann::json breakdown(int64_t input, int64_t cached, int64_t output, int64_t reasoning) {
  return {{"inputTokens", input},          {"cachedInputTokens", cached},
          {"outputTokens", output},        {"reasoningOutputTokens", reasoning},
          {"totalTokens", input + output}, {"cacheWriteInputTokens", 0}};
}

nlohmann::json update(const nlohmann::json& total, const nlohmann::json& last,
                      nlohmann::json window = 258400) {
  return {{"threadId", "thr"},
          {"turnId", "turn"},
          {"tokenUsage", {{"total", total}, {"last", last}, {"modelContextWindow", window}}}};
}

TEST(TokenUsageTally, NewThreadSumsEachRequest) {
  TokenUsageTally tally;
  tally.add_turn("turn");
  EXPECT_TRUE(tally.on_update(update(breakdown(100, 0, 10, 2), breakdown(100, 0, 10, 2))));
  EXPECT_TRUE(tally.on_update(update(breakdown(250, 80, 30, 5), breakdown(150, 80, 20, 3))));
  ASSERT_TRUE(tally.usage());
  EXPECT_EQ(tally.usage()->job, (TokenCounts{250, 80, 30, 5, 280}));
  EXPECT_EQ(tally.usage()->thread_total, (TokenCounts{250, 80, 30, 5, 280}));
  EXPECT_EQ(tally.usage()->model_context_window, 258400);
}

TEST(TokenUsageTally, ResumedThreadCountsOnlyThisTurn) {
  TokenUsageTally tally;
  tally.add_turn("turn");
  // The thread used 1000 input tokens before this job; this turn's one request used 120.
  EXPECT_TRUE(tally.on_update(update(breakdown(1120, 0, 60, 0), breakdown(120, 0, 10, 0))));
  EXPECT_EQ(tally.usage()->job, (TokenCounts{120, 0, 10, 0, 130}));
  EXPECT_EQ(tally.usage()->thread_total.input, 1120);
}

TEST(TokenUsageTally, RepeatedTotalAddsNothing) {
  TokenUsageTally tally;
  tally.add_turn("turn");
  auto first = update(breakdown(100, 0, 10, 0), breakdown(100, 0, 10, 0));
  EXPECT_TRUE(tally.on_update(first));
  EXPECT_FALSE(tally.on_update(first));
  EXPECT_EQ(tally.usage()->job.total, 110);
}

TEST(TokenUsageTally, MalformedUsageIsIgnoredOrZero) {
  TokenUsageTally tally;
  tally.add_turn("turn");
  EXPECT_FALSE(tally.on_update(nlohmann::json::array()));
  EXPECT_FALSE(tally.on_update({{"tokenUsage", "lots"}}));
  EXPECT_FALSE(tally.usage());
  nlohmann::json odd = {
      {"tokenUsage",
       {{"total", {{"inputTokens", "9"}, {"outputTokens", -4}, {"totalTokens", 7}}},
        {"last", {{"totalTokens", 7}}},
        {"modelContextWindow", nullptr}}}};
  EXPECT_TRUE(tally.on_update(odd));
  EXPECT_EQ(tally.usage()->job, (TokenCounts{0, 0, 0, 0, 7}));
  EXPECT_FALSE(tally.usage()->model_context_window);
}

// Regression: on thread/resume codex-cli 0.169.0 first repeats the thread's restored usage under
// the previous turn's id; counting it doubled a resumed job's tokens (seen with the real Codex).
// (TurnCapture's TokensBeforeTheTurnIdAreReplayed covers it arriving before the turn id.)
TEST(TokenUsageTally, RestoredUsageOfAResumedThreadIsOnlyTheBaseline) {
  TokenUsageTally tally;
  tally.add_turn("turn");
  nlohmann::json restored = update(breakdown(10, 0, 5, 0), breakdown(10, 0, 5, 0));
  restored["turnId"] = "earlier-turn";
  EXPECT_FALSE(tally.on_update(restored));  // another turn's: baseline only
  EXPECT_FALSE(tally.usage());
  EXPECT_TRUE(tally.on_update(update(breakdown(20, 0, 10, 0), breakdown(10, 0, 5, 0))));
  EXPECT_EQ(tally.usage()->job, (TokenCounts{10, 0, 5, 0, 15}));
  EXPECT_EQ(tally.usage()->thread_total.total, 30);
}

TEST(TokenUsageTally, AnUpdateBeforeAnyTurnIsOnlyTheBaseline) {
  TokenUsageTally tally;
  EXPECT_FALSE(tally.on_update(update(breakdown(100, 0, 10, 0), breakdown(100, 0, 10, 0))));
  EXPECT_FALSE(tally.usage());
  tally.add_turn("turn");
  EXPECT_TRUE(tally.on_update(update(breakdown(150, 0, 20, 0), breakdown(50, 0, 10, 0))));
  EXPECT_EQ(tally.usage()->job.total, 60);
}

TEST(TokenUsage, JsonFormHasTheJobCountsAtTopLevel) {
  TokenUsage usage{{5, 1, 2, 0, 7}, {50, 10, 20, 0, 70}, std::nullopt};
  auto json = usage_to_json(usage);
  EXPECT_EQ(json["inputTokens"], 5);
  EXPECT_EQ(json["totalTokens"], 7);
  EXPECT_TRUE(json["modelContextWindow"].is_null());
  EXPECT_EQ(json["threadTotal"]["totalTokens"], 70);
  EXPECT_EQ(counts_from_json(json), usage.job);
}

}  // namespace
}  // namespace companion::codex
