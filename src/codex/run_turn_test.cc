// run_turn() against tests/fixtures/fake_app_server.py in each of its modes.
#include "codex/run_turn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "codex/account_probe.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/stop.h"

namespace companion::codex {
namespace {

using Json = nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kFake = std::string(COMPANION_SOURCE_DIR) + "/tests/fixtures/fake_app_server.py";

class RecordingObserver : public TurnObserver {
 public:
  void on_progress(const ProgressEvent& event) override { lines.push_back(event.line); }
  void on_ids(const std::string& thread_id, const std::string& turn_id) override {
    ids.emplace_back(thread_id, turn_id);
    if (!turn_id.empty() && stop_on_turn >= 0) {
      char byte = 1;
      EXPECT_EQ(::write(stop_on_turn, &byte, 1), 1);
    }
    if (!turn_id.empty() && signal_on_turn) ::kill(::getpid(), SIGTERM);
  }
  int stop_on_turn = -1;  // a pipe's write end: written once the turn started
  std::vector<std::string> lines;
  std::vector<std::pair<std::string, std::string>> ids;
  bool signal_on_turn = false;
};

// Dead and reaped: no such process any more.
bool gone(int pid) {
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Alive and not a zombie (an orphan stays a zombie until init reaps it).
bool running(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

class RunTurnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/run_turn_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(sys::ensure_private_dir(dir_).ok());
    dir_ = *sys::real_path(dir_);
    log_ = dir_ + "/fake.log";
    (void)sys::remove_file(log_);
    spec_.codex = CodexCommand{kFake, {}, {}};
    ::setenv("FAKE_APP_SERVER_LOG", log_.c_str(), 1);
    ::unsetenv("FAKE_APP_SERVER_IGNORE_EOF");
    ::unsetenv("FAKE_APP_SERVER_IGNORE_SIGTERM");
    spec_.cwd = dir_;
    spec_.prompt = "hello there";
    limits_.stall_ms = 10000;
    limits_.deadline_ms = 20000;
  }

  TurnOutcome run(const std::string& mode, int stop_fd = -1) {
    ::setenv("FAKE_APP_SERVER_MODE", mode.c_str(), 1);
    int64_t start = sys::monotonic_ms();
    TurnOutcome outcome = run_turn(spec_, limits_, Connector::direct(), observer_, stop_fd);
    elapsed_ms_ = sys::monotonic_ms() - start;
    EXPECT_TRUE(gone(outcome.app_server_pid)) << "app-server " << outcome.app_server_pid;
    return outcome;
  }

  // The messages the fake received (and its notes), in order.
  std::vector<Json> fake_log() {
    std::vector<Json> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    return out;
  }

  Json received(const std::string& method) {
    for (const auto& entry : fake_log()) {
      if (entry.value("method", "") == method) return entry;
    }
    return nullptr;
  }

  std::string dir_, log_;
  TurnSpec spec_;
  TurnLimits limits_;
  RecordingObserver observer_;
  int64_t elapsed_ms_ = 0;
};

TEST_F(RunTurnTest, NormalTurnCompletes) {
  TurnOutcome o = run("normal");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_EQ(o.error_message, "");
  EXPECT_EQ(o.result.status, TurnStatus::kCompleted);
  EXPECT_EQ(o.result.final_message, "ECHO: hello there");
  EXPECT_EQ(o.result.thread_id, "thr-1");
  EXPECT_EQ(o.result.turn_id, "turn-1");
  EXPECT_FALSE(o.interrupt_attempted);
  using Ids = std::pair<std::string, std::string>;
  EXPECT_THAT(observer_.ids, ::testing::ElementsAre(Ids{"thr-1", ""}, Ids{"thr-1", "turn-1"}));
  EXPECT_LT(elapsed_ms_, 3000);
}

TEST_F(RunTurnTest, SendsTheProtocolShapes) {
  spec_.model = "gpt-5.3-codex-spark";
  spec_.effort = "high";
  spec_.write = true;
  spec_.thread_name = "Codex Companion Task: hello";
  spec_.output_schema = {{"type", "object"}};
  ASSERT_EQ(run("normal").end_reason, TurnEnd::kCompleted);
  Json init = received("initialize");
  EXPECT_EQ(init["params"]["clientInfo"]["name"], "codex-companion");
  EXPECT_EQ(init["params"]["capabilities"]["experimentalApi"], false);
  EXPECT_FALSE(init.contains("jsonrpc"));
  EXPECT_FALSE(received("initialized").is_null());
  Json thread = received("thread/start")["params"];
  EXPECT_EQ(thread["sandbox"], "workspace-write");
  EXPECT_EQ(thread["approvalPolicy"], "never");
  EXPECT_EQ(thread["ephemeral"], false);  // task threads are kept
  EXPECT_EQ(thread["cwd"], dir_);
  EXPECT_EQ(received("thread/name/set")["params"]["name"], "Codex Companion Task: hello");
  Json turn = received("turn/start")["params"];
  EXPECT_EQ(turn["input"][0],
            Json({{"type", "text"}, {"text", "hello there"}, {"text_elements", Json::array()}}));
  EXPECT_EQ(turn["model"], "gpt-5.3-codex-spark");
  EXPECT_EQ(turn["effort"], "high");
  EXPECT_EQ(turn["outputSchema"], spec_.output_schema);
  auto log = fake_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0]["cwd"], dir_);  // the app-server runs in the workspace
}

TEST_F(RunTurnTest, ResumesAThread) {
  spec_.resume_thread_id = "thr-9";
  TurnOutcome o = run("normal");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_EQ(o.result.thread_id, "thr-9");
  EXPECT_EQ(received("thread/resume")["params"]["threadId"], "thr-9");
  EXPECT_TRUE(received("thread/start").is_null());
}

TEST_F(RunTurnTest, ReviewCompletes) {
  spec_.kind = JobKind::kReview;
  spec_.review_target = {{"type", "uncommittedChanges"}};
  TurnOutcome o = run("normal");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_EQ(o.result.review_text, "No issues found.");
  Json review = received("review/start")["params"];
  EXPECT_EQ(review["delivery"], "inline");
  EXPECT_EQ(review["target"], spec_.review_target);
  EXPECT_EQ(received("thread/start")["params"]["ephemeral"], true);
  EXPECT_EQ(received("thread/start")["params"]["sandbox"], "read-only");
}

TEST_F(RunTurnTest, GarbageLinesAreTolerated) {
  TurnOutcome o = run("garbage");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_EQ(o.result.final_message, "ECHO: hello there");
  EXPECT_THAT(observer_.lines, Contains(HasSubstr("skipped a line that is not a JSON object")));
}

TEST_F(RunTurnTest, OversizedLineIsAnError) {
  TurnOutcome o = run("oversized");
  EXPECT_EQ(to_string(o.end_reason), "error");
  EXPECT_THAT(o.error_message,
              HasSubstr("Codex app-server sent a line longer than the 16 MiB limit"));
  EXPECT_LT(elapsed_ms_, 5000);
}

TEST_F(RunTurnTest, ApprovalRequestIsDeclined) {
  TurnOutcome o = run("approval");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_EQ(o.result.final_message, "approval answer: decline");
  Json answer;
  for (const auto& entry : fake_log()) {
    if (entry.contains("answer")) answer = entry["answer"];
  }
  EXPECT_EQ(answer, Json({{"id", 100}, {"result", {{"decision", "decline"}}}}));
  EXPECT_THAT(observer_.lines, Contains("Declined command approval: rm -rf build."));
}

TEST_F(RunTurnTest, SubagentsWithoutRootCompletionAreInferred) {
  TurnOutcome o = run("subagents");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_TRUE(o.result.inferred);
  EXPECT_EQ(o.result.final_message, "ECHO: hello there");
  EXPECT_LT(elapsed_ms_, 3000);
}

TEST_F(RunTurnTest, NoInitializeAnswerStalls) {
  limits_.stall_ms = 500;
  TurnOutcome o = run("no-initialize");
  EXPECT_EQ(to_string(o.end_reason), "stalled");
  EXPECT_EQ(o.error_message, "No activity from Codex for 0.5 s");
  EXPECT_FALSE(o.interrupt_attempted);  // no turn to interrupt
  EXPECT_GE(elapsed_ms_, 500);
  EXPECT_LT(elapsed_ms_, 3000);
}

TEST_F(RunTurnTest, NoInitializeAnswerHitsTheDeadline) {
  limits_.deadline_ms = 700;
  TurnOutcome o = run("no-initialize");
  EXPECT_EQ(to_string(o.end_reason), "deadline");
  EXPECT_EQ(o.error_message, "Job deadline of 0.7 s reached");
  EXPECT_LT(elapsed_ms_, 3000);
}

TEST_F(RunTurnTest, ExitMidTurnEndsQuicklyWithTheReason) {
  TurnOutcome o = run("exit-mid-turn");
  EXPECT_EQ(to_string(o.end_reason), "app-server-exited");
  EXPECT_EQ(o.error_message,
            "Codex app-server exited (exit code 1) during the turn: fake app-server: simulated "
            "crash after turn/start");
  EXPECT_LT(elapsed_ms_, 2000);
}

TEST_F(RunTurnTest, HungTurnStallsAndIsInterrupted) {
  // Long enough for the fake (a Python process) to start and answer turn/start on a loaded
  // machine: a stall before the turn exists has no turn to interrupt (measured flake at 500 ms
  // with the load average at 15).
  limits_.stall_ms = 2000;
  TurnOutcome o = run("hang");
  EXPECT_EQ(to_string(o.end_reason), "stalled");
  EXPECT_TRUE(o.interrupt_attempted);
  EXPECT_TRUE(o.interrupted);
  Json interrupt = received("turn/interrupt");
  EXPECT_EQ(interrupt["params"], Json({{"threadId", "thr-1"}, {"turnId", "turn-1"}}));
  EXPECT_LT(elapsed_ms_, 5000);
}

TEST_F(RunTurnTest, ErrorWithoutRetryFailsAfterGrace) {
  TurnOutcome o = run("error-no-complete");
  EXPECT_EQ(to_string(o.end_reason), "turn-failed");
  EXPECT_THAT(o.error_message, HasSubstr("stream disconnected before completion"));
  EXPECT_LT(elapsed_ms_, 4000);
}

TEST_F(RunTurnTest, FailedTurnKeepsCodexMessage) {
  TurnOutcome o = run("turn-failed");
  EXPECT_EQ(to_string(o.end_reason), "turn-failed");
  EXPECT_THAT(o.error_message, HasSubstr("unexpected status 500 Internal Server Error"));
}

TEST_F(RunTurnTest, StopSourceCancelsAndInterrupts) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  observer_.stop_on_turn = fds[1];
  TurnOutcome o = run("hang", fds[0]);
  EXPECT_EQ(to_string(o.end_reason), "cancelled");
  EXPECT_EQ(o.error_message, "Cancelled by user.");
  EXPECT_TRUE(o.interrupt_attempted);
  EXPECT_TRUE(o.interrupted);
  EXPECT_EQ(o.runtime, "direct");
  EXPECT_LT(elapsed_ms_, 3000);
  // The stop source stays the caller's: still open and still readable.
  char byte = 0;
  EXPECT_EQ(::read(fds[0], &byte, 1), 1);
  ::close(fds[0]);
  ::close(fds[1]);
}

// In a child process: the stop handlers and their pipe are process-wide.
TEST_F(RunTurnTest, SigtermThroughTheStopHandlersCancels) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sys::install_stop_handlers();
    RecordingObserver observer;
    observer.signal_on_turn = true;
    ::setenv("FAKE_APP_SERVER_MODE", "hang", 1);
    TurnOutcome o = run_turn(spec_, limits_, Connector::direct(), observer, sys::stop_fd());
    ::_exit(o.end_reason == TurnEnd::kCancelled && o.interrupted ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// Regression: run_turn used to take SIGINT/SIGTERM over and reset them to their default action
// when it returned, so a SIGTERM between its end and the caller's re-installed handlers killed
// the worker before it stored the job's outcome.
TEST_F(RunTurnTest, SigtermRightAfterTheTurnIsNotFatal) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sys::install_stop_handlers();
    RecordingObserver observer;
    ::setenv("FAKE_APP_SERVER_MODE", "normal", 1);
    TurnOutcome o = run_turn(spec_, limits_, Connector::direct(), observer, sys::stop_fd());
    ::kill(::getpid(), SIGTERM);
    ::_exit(o.end_reason == TurnEnd::kCompleted && sys::stop_requested() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(RunTurnTest, StubbornAppServerIsKilled) {
  ::setenv("FAKE_APP_SERVER_IGNORE_EOF", "1", 1);
  ::setenv("FAKE_APP_SERVER_IGNORE_SIGTERM", "1", 1);
  limits_.stop_step_ms = 300;
  TurnOutcome o = run("normal");
  EXPECT_EQ(to_string(o.end_reason), "completed");
  EXPECT_GE(elapsed_ms_, 600);  // waited out stdin close and SIGTERM, then SIGKILL
  EXPECT_LT(elapsed_ms_, 3000);
}

TEST_F(RunTurnTest, AppServerDiesWithItsOwner) {
  // Only the parent-death signal can end this fake: it ignores the end of stdin and SIGTERM.
  ::setenv("FAKE_APP_SERVER_MODE", "hang", 1);
  ::setenv("FAKE_APP_SERVER_IGNORE_EOF", "1", 1);
  ::setenv("FAKE_APP_SERVER_IGNORE_SIGTERM", "1", 1);
  pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    RecordingObserver observer;
    run_turn(spec_, limits_, Connector::direct(), observer);
    ::_exit(0);
  }
  int fake = -1;
  int64_t deadline = sys::monotonic_ms() + 5000;
  while (sys::monotonic_ms() < deadline) {
    auto log = fake_log();
    bool turn_started = false;
    for (const auto& entry : log) {
      if (entry.value("event", "") == "start") fake = entry["pid"];
      turn_started = turn_started || entry.value("method", "") == "turn/start";
    }
    if (fake > 0 && turn_started) break;
    ::usleep(20000);
  }
  ::kill(owner, SIGKILL);
  int status = 0;
  ::waitpid(owner, &status, 0);
  ASSERT_GT(fake, 0);
  deadline = sys::monotonic_ms() + 3000;
  while (running(fake) && sys::monotonic_ms() < deadline) ::usleep(20000);
  EXPECT_FALSE(running(fake));
}

TEST_F(RunTurnTest, MissingCodexIsOneClearLine) {
  spec_.codex.program = dir_ + "/no-such-codex";
  TurnOutcome o = run_turn(spec_, limits_, Connector::direct(), observer_);
  EXPECT_EQ(to_string(o.end_reason), "error");
  EXPECT_THAT(o.error_message, HasSubstr("cannot start the Codex app-server"));
  EXPECT_THAT(o.error_message, HasSubstr("no-such-codex"));
}

TEST_F(RunTurnTest, ProbeAccountReadsAccountAndConfig) {
  ::setenv("FAKE_APP_SERVER_MODE", "normal", 1);
  AccountProbe probe = probe_account(spec_.codex, dir_, 5000);
  EXPECT_EQ(probe.error, "");
  EXPECT_EQ(probe.account["account"]["type"], "apiKey");
  EXPECT_EQ(probe.config["config"]["model_provider"], "mock");
  EXPECT_EQ(probe.initialize["userAgent"], "fake_app_server/0.0.0");
  EXPECT_EQ(received("account/read")["params"], Json({{"refreshToken", false}}));
  EXPECT_EQ(received("config/read")["params"], Json({{"includeLayers", false}, {"cwd", dir_}}));
}

TEST_F(RunTurnTest, ProbeAccountTimesOut) {
  ::setenv("FAKE_APP_SERVER_MODE", "no-initialize", 1);
  int64_t start = sys::monotonic_ms();
  AccountProbe probe = probe_account(spec_.codex, dir_, 400);
  EXPECT_EQ(probe.error, "Codex app-server did not answer within 0.4 s");
  EXPECT_LT(sys::monotonic_ms() - start, 3000);
}

}  // namespace
}  // namespace companion::codex
