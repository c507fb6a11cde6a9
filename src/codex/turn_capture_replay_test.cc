// Replays notification streams recorded from the real `codex app-server` 0.169.0
// (src/codex/testdata, written by tests/lib/record_traces.py) through TurnCapture.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codex/turn_capture.h"

namespace companion::codex {
namespace {

using nlohmann::json;

struct Trace {
  std::string name, root_thread, turn_id;
  std::vector<json> notes;  // {"method", "params"}; server requests left out
};

std::vector<Trace> load_traces() {
  std::string dir = COMPANION_TESTDATA_DIR;
  std::ifstream index_file(dir + "/index.json");
  json index = json::parse(index_file, nullptr, /*allow_exceptions=*/false);
  std::vector<Trace> out;
  if (!index.is_array()) return out;
  for (const json& e : index) {
    Trace t{e.value("name", ""), e.value("rootThreadId", ""), e.value("turnId", ""), {}};
    std::ifstream lines(dir + "/" + t.name + ".jsonl");
    for (std::string line; std::getline(lines, line);) {
      json note = json::parse(line, nullptr, false);
      if (note.is_object() && !note.contains("id")) t.notes.push_back(std::move(note));
    }
    out.push_back(std::move(t));
  }
  return out;
}

const Trace& trace(const std::string& name) {
  static const std::vector<Trace> kTraces = load_traces();
  for (const Trace& t : kTraces) {
    if (t.name == name) return t;
  }
  static const Trace kMissing;
  ADD_FAILURE() << "no recorded trace named " << name << " in " << COMPANION_TESTDATA_DIR;
  return kMissing;
}

// Index of the root turn's turn/completed, or nullopt.
std::optional<size_t> completion_index(const Trace& t) {
  for (size_t i = 0; i < t.notes.size(); ++i) {
    const json& p = t.notes[i]["params"];
    if (t.notes[i]["method"] == "turn/completed" && p.value("threadId", "") == t.root_thread &&
        p["turn"].value("id", "") == t.turn_id) {
      return i;
    }
  }
  return std::nullopt;
}

struct Replay {
  TurnCapture capture;
  std::vector<ProgressEvent> events;
  std::optional<size_t> finished_at;

  // Feeds the first `count` notifications; the turn id becomes known before notification
  // `turn_id_at` (0: before all of them; count: after all of them).
  Replay(const Trace& t, size_t count, size_t turn_id_at) : capture(t.root_thread) {
    for (size_t i = 0; i <= count && i <= t.notes.size(); ++i) {
      if (i == turn_id_at) add(capture.set_turn_id(t.turn_id), i);
      if (i == count || i == t.notes.size()) break;
      add(capture.on_notification(t.notes[i]["method"], t.notes[i]["params"]), i);
    }
  }
  void add(std::vector<ProgressEvent> out, size_t i) {
    events.insert(events.end(), out.begin(), out.end());
    if (!finished_at && capture.finished()) finished_at = i;
  }
  bool saw(const std::string& prefix) const {
    for (const auto& e : events) {
      if (e.line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
  bool saw_containing(const std::string& prefix, const std::string& part) const {
    for (const auto& e : events) {
      if (e.line.rfind(prefix, 0) == 0 && e.line.find(part) != std::string::npos) return true;
    }
    return false;
  }
  bool saw_phase(const std::string& phase) const {
    for (const auto& e : events) {
      if (e.phase && to_string(*e.phase) == phase) return true;
    }
    return false;
  }
};

class RecordedTrace : public ::testing::TestWithParam<std::string> {};

// Whatever the moment the turn id becomes known, the capture ends exactly at the root
// turn/completed with its status, and the results agree.
TEST_P(RecordedTrace, EndsAtTheRootTurnCompletedWheneverTheTurnIdIsKnown) {
  const Trace& t = trace(GetParam());
  std::optional<size_t> done = completion_index(t);
  ASSERT_TRUE(done);
  auto status = parse_turn_status(t.notes[*done]["params"]["turn"].value("status", ""));
  ASSERT_TRUE(status);
  Replay first(t, t.notes.size(), 0);
  EXPECT_EQ(first.finished_at, done);
  TurnResult a = first.capture.result();
  EXPECT_EQ(a.status, status);
  EXPECT_FALSE(a.inferred);
  for (size_t at : {t.notes.size() / 2, t.notes.size()}) {
    Replay late(t, t.notes.size(), at);
    TurnResult b = late.capture.result();
    EXPECT_EQ(b.status, a.status) << "turn id at " << at;
    EXPECT_EQ(b.final_message, a.final_message);
    EXPECT_EQ(b.review_text, a.review_text);
    EXPECT_EQ(b.error_message, a.error_message);
    EXPECT_EQ(b.reasoning_summary, a.reasoning_summary);
    EXPECT_EQ(b.touched_files, a.touched_files);
    EXPECT_EQ(b.commands.size(), a.commands.size());
  }
}

// Without the root turn/completed, a final answer (or a final error) still ends the wait.
TEST_P(RecordedTrace, WithoutTurnCompletedTheGraceDecides) {
  const Trace& t = trace(GetParam());
  std::optional<size_t> done = completion_index(t);
  ASSERT_TRUE(done);
  Replay full(t, t.notes.size(), 0);
  Replay cut(t, *done, 0);
  ASSERT_FALSE(cut.capture.finished());
  std::optional<TurnStatus> status = full.capture.result().status;
  if (status == TurnStatus::kInterrupted) {
    EXPECT_FALSE(cut.capture.grace_ms());  // nothing to infer from: only the stall timer helps
    return;
  }
  ASSERT_TRUE(cut.capture.grace_ms());
  EXPECT_EQ(*cut.capture.grace_ms(), status == TurnStatus::kFailed ? TurnCapture::kErrorGraceMs
                                                                   : TurnCapture::kInferredGraceMs);
  cut.capture.on_grace_expired();
  TurnResult r = cut.capture.result();
  EXPECT_EQ(r.status, status);
  EXPECT_TRUE(r.inferred);
  EXPECT_EQ(r.final_message, full.capture.result().final_message);
  EXPECT_EQ(r.error_message, full.capture.result().error_message);
}

INSTANTIATE_TEST_SUITE_P(Codex0169, RecordedTrace,
                         ::testing::Values("normal", "slow", "http500", "hang", "shell",
                                           "shell_exit3", "shell_verify", "escalate_declined",
                                           "patch", "patch_readonly", "output_schema",
                                           "output_schema_bad", "subagent", "review"));

std::unique_ptr<Replay> replay_all(const std::string& name) {
  const Trace& t = trace(name);
  return std::make_unique<Replay>(t, t.notes.size(), 0);
}

TEST(RecordedTraceTest, NormalAnswerWithReasoning) {
  auto r = replay_all("normal");
  TurnResult res = r->capture.result();
  EXPECT_EQ(res.final_message, "Stub answer: tok-normal");
  ASSERT_EQ(res.reasoning_summary.size(), 1u);
  EXPECT_NE(res.reasoning_summary[0].find("tok-normal"), std::string::npos);
  EXPECT_TRUE(r->saw("Turn started ("));
  EXPECT_TRUE(r->saw("Assistant message captured: Stub answer: tok-normal"));
  EXPECT_TRUE(r->saw_phase("investigating"));
  EXPECT_TRUE(r->saw_phase("finalizing"));
}

TEST(RecordedTraceTest, Http500FailsWithCodexMessage) {
  TurnResult res = replay_all("http500")->capture.result();
  EXPECT_EQ(res.status, TurnStatus::kFailed);
  EXPECT_FALSE(res.error_message.empty());
  EXPECT_TRUE(res.final_message.empty());
}

TEST(RecordedTraceTest, HangThenInterrupt) {
  TurnResult res = replay_all("hang")->capture.result();
  EXPECT_EQ(res.status, TurnStatus::kInterrupted);
  EXPECT_TRUE(res.final_message.empty());
}

TEST(RecordedTraceTest, ShellCommands) {
  auto r = replay_all("shell");
  TurnResult res = r->capture.result();
  ASSERT_EQ(res.commands.size(), 1u);
  EXPECT_EQ(res.commands[0].command, "echo hello-from-shell");
  EXPECT_EQ(res.commands[0].exit_code, 0);
  EXPECT_EQ(res.commands[0].status, "completed");
  EXPECT_NE(res.final_message.find("hello-from-shell"), std::string::npos);
  EXPECT_TRUE(r->saw("Running command: echo hello-from-shell"));
  EXPECT_TRUE(r->saw("Command completed: echo hello-from-shell (exit 0)"));
  EXPECT_TRUE(r->saw_phase("running"));

  res = replay_all("shell_exit3")->capture.result();
  ASSERT_EQ(res.commands.size(), 1u);
  EXPECT_EQ(res.commands[0].exit_code, 3);
  EXPECT_EQ(res.commands[0].status, "failed");

  r = replay_all("shell_verify");
  res = r->capture.result();
  ASSERT_EQ(res.commands.size(), 1u);
  EXPECT_EQ(res.commands[0].command, "make test");
  EXPECT_TRUE(r->saw_phase("verifying"));

  res = replay_all("escalate_declined")->capture.result();
  ASSERT_EQ(res.commands.size(), 1u);
  EXPECT_EQ(res.commands[0].status, "declined");
  EXPECT_FALSE(res.commands[0].exit_code);
  EXPECT_EQ(res.status, TurnStatus::kCompleted);
}

TEST(RecordedTraceTest, FileChanges) {
  auto r = replay_all("patch");
  TurnResult res = r->capture.result();
  ASSERT_EQ(res.touched_files.size(), 1u);
  EXPECT_TRUE(res.touched_files[0].ends_with("/hello.txt")) << res.touched_files[0];
  EXPECT_TRUE(r->saw("Applying 1 file change(s)."));
  EXPECT_TRUE(r->saw_phase("editing"));
  res = replay_all("patch_readonly")->capture.result();
  EXPECT_TRUE(res.touched_files.empty());
  EXPECT_NE(res.final_message.find("read-only"), std::string::npos);
}

TEST(RecordedTraceTest, OutputSchemaAnswers) {
  TurnResult res = replay_all("output_schema")->capture.result();
  json parsed = json::parse(res.final_message, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << res.final_message;
  EXPECT_EQ(parsed.value("verdict", ""), "needs-attention");
  res = replay_all("output_schema_bad")->capture.result();
  EXPECT_TRUE(json::parse(res.final_message, nullptr, false).is_discarded());
}

TEST(RecordedTraceTest, SubagentWorkIsFollowedButNotTakenAsTheAnswer) {
  auto r = replay_all("subagent");
  TurnResult res = r->capture.result();
  EXPECT_EQ(res.status, TurnStatus::kCompleted);
  EXPECT_TRUE(r->saw("Subagent thread started ("));
  // Codex 0.169.0 sends no thread/started for a spawned agent: it is named by its thread id.
  EXPECT_TRUE(r->saw_containing("Subagent ", ": Stub answer: tok-child"));
  EXPECT_TRUE(r->saw("Subagent turn completed ("));
  EXPECT_EQ(res.final_message.rfind("Stub saw the tool output", 0), 0u) << res.final_message;
  // While the child runs, the root cannot be inferred complete.
  const Trace& t = trace("subagent");
  for (size_t i = 0; i < t.notes.size(); ++i) {
    if (t.notes[i]["method"] == "turn/started" &&
        t.notes[i]["params"].value("threadId", "") != t.root_thread) {
      Replay upto(t, i + 1, 0);
      EXPECT_FALSE(upto.capture.grace_ms());
    }
  }
}

TEST(RecordedTraceTest, InlineReview) {
  auto r = replay_all("review");
  TurnResult res = r->capture.result();
  EXPECT_EQ(res.status, TurnStatus::kCompleted);
  EXPECT_EQ(res.review_text.rfind("Stub review: nothing blocking.", 0), 0u) << res.review_text;
  EXPECT_EQ(res.final_message, res.review_text);  // the review is the answer; not the raw JSON
  EXPECT_TRUE(r->saw("Reviewer started: current changes"));
  EXPECT_TRUE(r->saw("Review output captured."));
  std::vector<std::string> phases;
  for (const auto& e : r->events) {
    if (e.phase) phases.emplace_back(to_string(*e.phase));
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"reviewing", "finalizing", "done"}));
}

}  // namespace
}  // namespace companion::codex
