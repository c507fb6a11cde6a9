#include "base/turn_types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace companion {
namespace {

// Every enumerator up to `last` has a distinct, non-empty name that parses back to it; the value
// after `last` has none (a new enumerator must move its kLast constant, or parsing misses it);
// unknown, empty, differently cased and padded texts are refused.
template <class E>
void expect_round_trips(E last, size_t count) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    auto value = static_cast<E>(i);
    std::string_view name = to_string(value);
    EXPECT_FALSE(name.empty()) << "enumerator " << i;
    EXPECT_TRUE(names.insert(name).second) << "two enumerators named " << name;
    EXPECT_EQ(parse_enum(name, last), value) << name;
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    EXPECT_FALSE(parse_enum(upper, last).has_value()) << upper;
    EXPECT_FALSE(parse_enum(std::string(name) + " ", last).has_value()) << name;
  }
  EXPECT_EQ(names.size(), count);
  EXPECT_TRUE(to_string(static_cast<E>(static_cast<int>(last) + 1)).empty());
  EXPECT_FALSE(parse_enum(std::string_view(), last).has_value());
  EXPECT_FALSE(parse_enum(std::string_view("bogus"), last).has_value());
}

TEST(TurnTypes, EveryEnumRoundTripsThroughItsText) {
  expect_round_trips(kLastJobKind, 3);
  expect_round_trips(kLastJobStatus, 5);
  expect_round_trips(kLastPhase, 11);
  expect_round_trips(kLastEndReason, 12);
  expect_round_trips(kLastTurnStatus, 3);
  expect_round_trips(kLastTurnEnd, 10);
}

TEST(TurnTypes, TheWireAndStoreSpellings) {
  EXPECT_EQ(to_string(JobKind::kAdversarialReview), "adversarial-review");
  EXPECT_EQ(to_string(Phase::kVerifying), "verifying");
  EXPECT_EQ(to_string(EndReason::kAppServerExited), "app-server-exited");
  EXPECT_EQ(to_string(EndReason::kNoFinalMessage), "no-final-message");
  EXPECT_EQ(to_string(EndReason::kWorkspaceGone), "workspace-gone");
  EXPECT_EQ(to_string(TurnStatus::kInterrupted), "interrupted");
  EXPECT_EQ(parse_job_kind("review"), JobKind::kReview);
  EXPECT_EQ(parse_job_status("cancelled"), JobStatus::kCancelled);
  EXPECT_EQ(parse_phase("finalizing"), Phase::kFinalizing);
  EXPECT_EQ(parse_end_reason("worker-died"), EndReason::kWorkerDied);
  EXPECT_EQ(parse_turn_status("failed"), TurnStatus::kFailed);
}

TEST(TurnTypes, UnknownTextIsRefusedNotDefaulted) {
  EXPECT_FALSE(parse_end_reason("eror").has_value());  // a typo is not "error"
  EXPECT_FALSE(parse_phase("thinking").has_value());
  EXPECT_FALSE(parse_job_kind("rescue").has_value());  // the label, not the kind
  EXPECT_FALSE(parse_job_status("done").has_value());  // a phase, not a status
  EXPECT_FALSE(parse_turn_status("inProgress").has_value());
}

// A turn's end reasons are spelled as the job's end reasons of the same name.
TEST(TurnTypes, EveryTurnEndIsSpelledAsAnEndReason) {
  for (int i = 0; i <= static_cast<int>(kLastTurnEnd); ++i) {
    auto end = static_cast<TurnEnd>(i);
    EXPECT_TRUE(parse_end_reason(to_string(end)).has_value()) << to_string(end);
  }
}

}  // namespace
}  // namespace companion
