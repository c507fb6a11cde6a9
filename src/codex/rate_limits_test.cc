#include "codex/rate_limits.h"

#include <gtest/gtest.h>

#include "codex/turn_capture.h"
#include "codex/turn_end.h"

namespace companion::codex {
namespace {

// The notification codex-cli 0.169.0 sent when the Responses API answered HTTP 429
// usage_limit_reached with x-codex-primary-* headers (resets_at 1796669492).
nlohmann::json used_up() {
  return nlohmann::json::parse(R"({"rateLimits": {"limitId": "codex", "limitName": null,
      "primary": {"usedPercent": 100, "windowDurationMins": 300, "resetsAt": 1796669492},
      "secondary": {"usedPercent": 13, "windowDurationMins": 10080, "resetsAt": 1797267093},
      "credits": null, "planType": null, "rateLimitReachedType": null}})");
}

TEST(RateLimits, UsedUpWindowGivesItsResetAndSparseUpdatesMerge) {
  RateLimitTracker tracker;
  EXPECT_FALSE(tracker.on_notification("configWarning", used_up()));
  EXPECT_FALSE(tracker.on_notification(kRateLimitsUpdated, {{"rateLimits", {}}}));
  EXPECT_TRUE(tracker.snapshot().is_null());
  ASSERT_TRUE(tracker.on_notification(kRateLimitsUpdated, used_up()));
  EXPECT_EQ(exhausted_until_ms(tracker.snapshot()), 1796669492000);
  EXPECT_FALSE(tracker.on_notification(kRateLimitsUpdated, used_up()));  // nothing changed
  // A sparse update: the primary window is free again; the secondary (null) stays.
  ASSERT_TRUE(tracker.on_notification(
      kRateLimitsUpdated,
      {{"rateLimits",
        {{"primary", {{"usedPercent", 3}, {"resetsAt", 1796670000}}}, {"secondary", nullptr}}}}));
  EXPECT_EQ(tracker.snapshot()["secondary"]["usedPercent"], 13);
  EXPECT_FALSE(exhausted_until_ms(tracker.snapshot()).has_value());
  EXPECT_EQ(describe_rate_limits(tracker.snapshot()),
            "primary: 3% used, resets 2026-12-07T19:00:00.000Z; secondary (10080 min): 13% used, "
            "resets 2026-12-14T16:51:33.000Z");
}

TEST(RateLimits, HostileSnapshotsNeverThrowOrInventAReset) {
  for (const char* text : {R"({"primary": {"usedPercent": "100", "resetsAt": 5}})",
                           R"({"primary": {"usedPercent": 100, "resetsAt": "soon"}})",
                           R"({"primary": {"usedPercent": 100, "resetsAt": 99999999999999}})",
                           R"({"primary": [1, 2]})", R"([1])", R"(null)"}) {
    auto snapshot = nlohmann::json::parse(text);
    EXPECT_FALSE(exhausted_until_ms(snapshot).has_value()) << text;
    (void)describe_rate_limits(snapshot);
    (void)rate_limit_windows(snapshot);
  }
  EXPECT_EQ(exhausted_until_ms(
                nlohmann::json::parse(R"({"primary": {"usedPercent": 100.0, "resetsAt": 10}})")),
            10000);
}

// Regression (a turn stopped by a used-up usage window ended as a generic turn-failed): the
// error's codexErrorInfo usageLimitExceeded makes the end rate-limited.
TEST(RateLimits, UsageLimitExceededTurnEndsRateLimited) {
  TurnCapture capture("thr");
  (void)capture.set_turn_id("turn");
  std::string message = "You've hit your usage limit. Try again at 6:51 PM.";
  nlohmann::json error = {{"message", message}, {"codexErrorInfo", kUsageLimitExceeded}};
  (void)capture.on_notification(
      "error", {{"threadId", "thr"}, {"turnId", "turn"}, {"willRetry", false}, {"error", error}});
  (void)capture.on_notification(
      "turn/completed",
      {{"threadId", "thr"}, {"turn", {{"id", "turn"}, {"status", "failed"}, {"error", error}}}});
  End end = capture_end(capture.result());
  EXPECT_EQ(end.reason, TurnEnd::kRateLimited);
  EXPECT_EQ(end.message, message);

  TurnCapture other("thr");
  (void)other.set_turn_id("turn");
  (void)other.on_notification("turn/completed",
                              {{"threadId", "thr"},
                               {"turn",
                                {{"id", "turn"},
                                 {"status", "failed"},
                                 {"error", {{"message", "boom"}, {"codexErrorInfo", "other"}}}}}});
  EXPECT_EQ(capture_end(other.result()).reason, TurnEnd::kTurnFailed);
}

}  // namespace
}  // namespace companion::codex
