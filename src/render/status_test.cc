#include "render/status.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/job_log.h"

namespace companion::render {
namespace {

store::Job finished_job() {
  store::Job j;
  j.id = "task-abc-123456";
  j.kind = store::JobKind::kTask;
  j.title = "Codex Task";
  j.summary = "fix | the bug";
  j.status = store::JobStatus::kFailed;
  j.phase = store::Phase::kFailed;
  j.created_at = 1000;
  j.started_at = 2000;
  j.completed_at = 2000 + 125000;
  j.updated_at = j.completed_at;
  j.end_reason = store::EndReason::kStalled;
  j.error_message = "No activity from Codex for 600 s";
  j.thread_id = "thr-1";
  j.log_file = "/nonexistent/log";
  return j;
}

TEST(Duration, Formats) {
  EXPECT_EQ(format_duration(-5), "0s");
  EXPECT_EQ(format_duration(45000), "45s");
  EXPECT_EQ(format_duration(192000), "3m 12s");
}

// Regression (issue 9): durations were zero-padded ("1m 05s") and truncated; the reference
// plugin's consumers read "1m 5s" and "2h 5m", rounded to the nearest second.
TEST(Duration, RoundedWithoutZeroPadding) {
  EXPECT_EQ(format_duration(999), "1s");
  EXPECT_EQ(format_duration(499), "0s");
  EXPECT_EQ(format_duration(64600), "1m 5s");
  EXPECT_EQ(format_duration(59600), "1m 0s");
  EXPECT_EQ(format_duration(7500000), "2h 5m");
  EXPECT_EQ(format_duration(3600000), "1h 0m");
}

// Regression (issue 9): a finished job's `elapsed` was null (the reference gives start to end),
// and progressPreview was missing from some jobs (the reference always has it: the log's last
// lines while active or failed, [] once completed or cancelled).
TEST(Snapshot, ElapsedDurationAndPreviewFollowTheStatus) {
  std::string log = ::testing::TempDir() + "/snapshot_preview.log";
  std::remove(log.c_str());
  ASSERT_TRUE(store::append_log_line(sys::default_env(), log, "Running command: make").ok());
  store::Job j = finished_job();
  j.log_file = log;
  auto snap = job_snapshot(sys::default_env(), j, 999999999);
  EXPECT_EQ(snap["elapsed"], "2m 5s");
  EXPECT_EQ(snap["duration"], "2m 5s");
  EXPECT_EQ(snap["kindLabel"], "rescue");
  EXPECT_EQ(snap["jobClass"], "task");
  EXPECT_EQ(snap["progressPreview"], nlohmann::json({"Running command: make"}));  // failed
  j.status = store::JobStatus::kCompleted;
  EXPECT_EQ(job_snapshot(sys::default_env(), j, 999999999)["progressPreview"],
            nlohmann::json::array());
  j.status = store::JobStatus::kCancelled;
  EXPECT_EQ(job_snapshot(sys::default_env(), j, 999999999)["progressPreview"],
            nlohmann::json::array());
  j.status = store::JobStatus::kRunning;
  snap = job_snapshot(sys::default_env(), j, 2000 + 61000);
  EXPECT_EQ(snap["elapsed"], "1m 1s");
  EXPECT_TRUE(snap["duration"].is_null());
  EXPECT_EQ(snap["progressPreview"].size(), 1u);
  EXPECT_TRUE(snap["pid"].is_null());  // no owner recorded
  std::remove(log.c_str());
}

TEST(StatusReport, HeadingTableAndSections) {
  store::Job running = finished_job();
  running.status = store::JobStatus::kRunning;
  running.phase = store::Phase::kVerifying;
  nlohmann::json report = {{"workspaceRoot", "/ws"},
                           {"config", {{"stopReviewGate", true}}},
                           {"sessionRuntime", {{"label", "direct"}}},
                           {"running", {job_snapshot(sys::default_env(), running, 10000)}},
                           {"latestFinished", job_snapshot(sys::default_env(), finished_job(), 0)},
                           {"recent", nlohmann::json::array()},
                           {"needsReview", true}};
  std::string text = render_status_report(report);
  EXPECT_EQ(text.rfind("# Codex Status\n", 0), 0u);
  EXPECT_NE(text.find("Review gate: enabled"), std::string::npos);
  EXPECT_NE(
      text.find("| Job | Kind | Status | Phase | Elapsed | Codex Session ID | Summary | Actions |"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "| task-abc-123456 | rescue | running | verifying | 8s | thr-1 | fix \\| the bug |"),
      std::string::npos);
  EXPECT_NE(text.find("`/codex:cancel task-abc-123456`"), std::string::npos);
  EXPECT_NE(text.find("Latest finished:"), std::string::npos);
  EXPECT_NE(text.find("  Duration: 2m 5s"), std::string::npos);
  EXPECT_NE(text.find("  Error: No activity from Codex for 600 s"), std::string::npos);
}

TEST(StatusReport, EmptyWorkspace) {
  nlohmann::json report = {{"workspaceRoot", "/ws"},
                           {"config", {{"stopReviewGate", false}}},
                           {"sessionRuntime", {{"label", "direct"}}},
                           {"running", nlohmann::json::array()},
                           {"latestFinished", nullptr},
                           {"recent", nlohmann::json::array()},
                           {"needsReview", false}};
  std::string text = render_status_report(report);
  EXPECT_NE(text.find("No jobs recorded yet."), std::string::npos);
  EXPECT_EQ(text.find("Active jobs:"), std::string::npos);
}

// Found by fuzz/stored_rows_fuzz.cc (fuzz/crashes/stored_rows/status-report-not-an-object): a
// report that was not an object threw type_error 305, one without its lists hit an assertion.
TEST(StatusReport, ReportThatIsNotAnObjectOrLacksItsListsRendersInsteadOfThrowing) {
  const nlohmann::json reports[] = {
      nlohmann::json(),
      nlohmann::json("not a report"),
      nlohmann::json::array({1, 2}),
      nlohmann::json::object(),
      {{"running", "x"}, {"latestFinished", 3}, {"recent", {{"id", "y"}}}},
  };
  for (const auto& report : reports) {
    std::string text;
    EXPECT_NO_THROW(text = render_status_report(report)) << report.dump();
    EXPECT_NE(text.find("No jobs recorded yet."), std::string::npos) << report.dump();
  }
}

TEST(StoredResult, RenderedThenRawThenError) {
  store::Job j = finished_job();
  std::string text = render_stored_result(j);
  EXPECT_NE(text.find("Status: failed"), std::string::npos);
  EXPECT_NE(text.find("No activity from Codex"), std::string::npos);
  EXPECT_NE(text.find("Resume in Codex: codex resume thr-1"), std::string::npos);
  j.rendered = "# Rendered";
  EXPECT_EQ(render_stored_result(j).rfind("# Rendered\n", 0), 0u);
  j.result = {{"rawOutput", "the answer"}};
  EXPECT_EQ(render_stored_result(j).rfind("the answer\n", 0), 0u);
}

// Regression (issue 9): `result` of a native review printed our report (heading, target)
// instead of Codex's review text; only structured (adversarial) reviews print the report.
TEST(StoredResult, NativeReviewShowsTheReviewTextAdversarialTheReport) {
  store::Job j = finished_job();
  j.kind = store::JobKind::kReview;
  j.rendered = "# Codex Review\n\nTarget: working tree diff\n\nLooks fine.\n";
  j.result = {{"review", "Review"}, {"codex", {{"status", 0}, {"stdout", "Looks fine."}}}};
  EXPECT_EQ(render_stored_result(j),
            "Looks fine.\n\nCodex session ID: thr-1\nResume in Codex: codex resume thr-1\n");
  j.kind = store::JobKind::kAdversarialReview;
  j.rendered = "# Codex Adversarial Review\n\nVerdict: approve\n";
  j.result = {{"review", "Adversarial Review"},
              {"codex", {{"stdout", "{}"}}},
              {"rawOutput", "{}"},
              {"result", nullptr},
              {"parseError", "bad"}};
  EXPECT_EQ(render_stored_result(j).rfind("# Codex Adversarial Review\n", 0), 0u);
}

TEST(Cells, EscapePipesAndNewlines) {
  EXPECT_EQ(markdown_cell("a|b\nc"), "a\\|b c");
}

// Regression: jobs did not record what they ran with; `status JOB` now says what Codex resolved.
TEST(JobsDoNotRecordWhatTheyRanWith, StatusJobShowsWhatCodexResolved) {
  store::Job j = finished_job();
  j.resolved = {{"model", "gpt-5.5"},     {"effort", "medium"},        {"modelProvider", nullptr},
                {"sandbox", "read-only"}, {"approvalPolicy", "never"}, {"codexVersion", "0.169.0"},
                {"runtime", "shared"}};
  auto snap = job_snapshot(sys::default_env(), j, 999999999);
  EXPECT_EQ(snap["resolved"]["model"], "gpt-5.5");
  std::string text = render_job_status(snap);
  EXPECT_NE(text.find("  Resolved by Codex: model gpt-5.5, effort medium, sandbox read-only, "
                      "approval never, Codex 0.169.0, runtime shared\n"),
            std::string::npos)
      << text;
  j.resolved = nullptr;
  EXPECT_EQ(render_job_status(job_snapshot(sys::default_env(), j, 999999999)).find("Resolved"),
            std::string::npos);
  j.origin = store::JobOrigin::kStopGate;
  EXPECT_NE(render_job_status(job_snapshot(sys::default_env(), j, 999999999))
                .find("  Origin: stop-time review gate\n"),
            std::string::npos);
}

}  // namespace
}  // namespace companion::render
