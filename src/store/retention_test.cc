// Retention of finished jobs: unread results, stop-gate reviews, the record of pruned ids; and
// the stop-gate reviews kept apart from the user's jobs (lists, slots, one per session).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <variant>

#include "store/job_store.h"
#include "store/sqlite.h"
#include "store/store_test_support.h"
#include "sys/fake_env.h"
#include "sys/fs.h"

namespace companion::store {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

class RetentionTest : public testing::WorkspaceFixture {
 protected:
  JobStore open(const JobStore::Options& options) {
    auto s = JobStore::open(ws_, clock_, options);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }
  // A job created and finished at once (then retention applied), one clock tick after the
  // previous one.
  std::string finished(JobStore& store, JobOrigin origin = JobOrigin::kUser, bool read = false) {
    NewJob spec{JobKind::kTask, "t", "s", "session-1", false, {{"prompt", "p"}}};
    spec.origin = origin;
    auto c = store.create(spec);
    EXPECT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(*store.finish(c->job.id, make_terminal(EndReason::kCompleted)));
    EXPECT_TRUE(store.prune().ok());  // as jobs::settle does after each end
    if (read) {
      EXPECT_TRUE(store.mark_read(c->job.id, clock_.now_ms()).ok());
    }
    clock_.advance(1);
    return c->job.id;
  }
  bool stored(JobStore& store, const std::string& id) {
    auto job = store.get(id);
    EXPECT_TRUE(job.ok());
    return job.ok() && job->has_value();
  }

  sys::FakeClockEnv clock_{sys::default_env()};
};

// Regression: a finished result nobody read was pruned silently. Retention counted finished jobs
// only, so a background job's result, never fetched, vanished once KEEP_JOBS newer jobs ended.
TEST_F(RetentionTest, UnreadResultPrunedSilentlyIsKeptUntilRead) {
  JobStore::Options options;
  options.keep_finished = 2;
  JobStore store = open(options);
  std::string unread = finished(store);
  for (int i = 0; i < 4; ++i) finished(store, JobOrigin::kUser, /*read=*/true);
  EXPECT_TRUE(stored(store, unread)) << "an unread result was pruned";
  EXPECT_FALSE(store.pruned(unread)->has_value());
  // Once read, it is an old finished job like any other.
  ASSERT_TRUE(store.mark_read(unread, clock_.now_ms()).ok());
  EXPECT_GT((*store.get(unread))->read_at, 0);
  finished(store, JobOrigin::kUser, true);
  EXPECT_FALSE(stored(store, unread));
  auto pruned = store.pruned(unread);
  ASSERT_TRUE(pruned.ok() && pruned->has_value());
  EXPECT_EQ((*pruned)->id, unread);
  EXPECT_EQ((*pruned)->origin, JobOrigin::kUser);
  EXPECT_EQ((*pruned)->pruned_at, clock_.now_ms() - 1);  // when the last job ended
}

TEST_F(RetentionTest, UnreadResultPrunedSilentlyWithinItsOwnCapAndAge) {
  JobStore::Options options;
  options.keep_finished = 1;
  options.keep_unread = 2;
  options.keep_unread_ms = 30 * kDayMs;
  JobStore store = open(options);
  std::string oldest = finished(store);
  std::string older = finished(store);
  std::string old = finished(store);
  finished(store);  // the newest: kept by the count; the three older ones are unread
  EXPECT_FALSE(stored(store, oldest)) << "more unread results than the cap";
  EXPECT_TRUE(stored(store, older));
  EXPECT_TRUE(stored(store, old));
  clock_.advance(31 * kDayMs);
  finished(store, JobOrigin::kUser, true);
  EXPECT_FALSE(stored(store, older)) << "an unread result older than the age bound";
  EXPECT_FALSE(stored(store, old));
}

TEST_F(RetentionTest, UnreadResultPrunedSilentlyRecordOfPrunedIdsIsBounded) {
  JobStore::Options options;
  options.keep_finished = 1;
  options.keep_pruned_ids = 3;
  JobStore store = open(options);
  std::vector<std::string> ids;
  ids.reserve(6);
  for (int i = 0; i < 6; ++i) ids.push_back(finished(store, JobOrigin::kUser, true));
  // ids[0..4] were pruned; only the three latest are remembered.
  EXPECT_FALSE(store.pruned(ids[0])->has_value());
  EXPECT_FALSE(store.pruned(ids[1])->has_value());
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(store.pruned(ids[i])->has_value()) << i;
  auto db = Database::open(sys::default_env(), ws_.db_path(), false, 1000);
  ASSERT_TRUE(db.ok());
  auto count = db->prepare("SELECT count(*) FROM pruned_jobs");
  ASSERT_TRUE(count.ok() && *count->step());
  EXPECT_EQ(count->column_int(0), 3);
  // A unique prefix of a pruned id finds it; the message says what happened and what to do.
  auto by_prefix = store.pruned(ids[4].substr(0, ids[4].size() - 1));
  ASSERT_TRUE(by_prefix.ok() && by_prefix->has_value());
  EXPECT_EQ(pruned_message(**by_prefix),
            ids[4] +
                " was removed by retention on 2026-11-18 11:06:40 UTC; raise "
                "CODEX_COMPANION_KEEP_JOBS");
  // Another workspace finds it read-only.
  auto elsewhere = JobStore::find_pruned(sys::default_env(), ws_, ids[4], 1000);
  ASSERT_TRUE(elsewhere.ok() && elsewhere->has_value());
  EXPECT_FALSE(
      JobStore::find_pruned(sys::default_env(), Workspace{"", dir_ + "/nowhere"}, ids[4], 1000)
          ->has_value());
}

// Regression: stop-gate reviews were stored as user jobs. A few stops pushed the user's own
// finished jobs out of the retention cap, and they crowded the lists.
TEST_F(RetentionTest, StopGateReviewsStoredAsUserJobsHaveTheirOwnRetention) {
  JobStore::Options options;
  options.keep_finished = 2;
  options.keep_stop_gate = 3;
  JobStore store = open(options);
  std::string mine = finished(store, JobOrigin::kUser, true);
  std::string also_mine = finished(store, JobOrigin::kUser, true);
  std::vector<std::string> gates;
  gates.reserve(5);
  for (int i = 0; i < 5; ++i) gates.push_back(finished(store, JobOrigin::kStopGate));
  EXPECT_TRUE(stored(store, mine)) << "a stop-gate review evicted a user job";
  EXPECT_TRUE(stored(store, also_mine));
  EXPECT_FALSE(stored(store, gates[0]));
  EXPECT_FALSE(stored(store, gates[1]));
  EXPECT_TRUE(stored(store, gates[4]));
  EXPECT_EQ((*store.pruned(gates[0]))->origin, JobOrigin::kStopGate);
  EXPECT_NE(pruned_message(**store.pruned(gates[0])).find("a stop-gate review"), std::string::npos);
  // Lists leave them out unless asked for; the job itself is found by its id.
  auto listed = store.finished({}, 100);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->front().id, also_mine);
  EXPECT_EQ(store.finished(JobFilter{std::nullopt, true}, 100)->size(), 5u);
  EXPECT_EQ((*store.get(gates[4]))->origin, JobOrigin::kStopGate);
  EXPECT_EQ(to_json(**store.get(gates[4]))["origin"], "stop-gate");
}

TEST_F(RetentionTest, StopGateReviewsStoredAsUserJobsTakeNoSlotAndOneRunsPerSession) {
  JobStore store = open(JobStore::Options{});
  NewJob gate{JobKind::kTask, "Codex Stop Gate Review", "s", "session-1", false, {}};
  gate.origin = JobOrigin::kStopGate;
  auto first = store.create_stop_gate_review(gate);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(std::holds_alternative<CreatedJob>(*first));
  const CreatedJob& running = std::get<CreatedJob>(*first);
  ASSERT_TRUE(*store.start(running.job.id, StartInfo{::getpid(), 0}));
  EXPECT_TRUE(store.active({})->empty()) << "a stop-gate review listed as a user job";
  EXPECT_EQ(store.active(JobFilter{std::nullopt, true})->size(), 1u);
  // A second stop of the session while it runs starts nothing; another session's does.
  auto second = store.create_stop_gate_review(gate);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(std::holds_alternative<Job>(*second));
  EXPECT_EQ(std::get<Job>(*second).id, running.job.id);
  NewJob other = gate;
  other.session_id = "session-2";
  auto third = store.create_stop_gate_review(other);
  ASSERT_TRUE(third.ok() && std::holds_alternative<CreatedJob>(*third));
  // The user's waiting job gets the only slot although two reviews run.
  NewJob waiting{JobKind::kTask, "mine", "s", "session-1", false, {{"prompt", "p"}}};
  waiting.wait_for_slot = true;
  auto queued = store.create(waiting);
  ASSERT_TRUE(queued.ok());
  auto claimed = store.claim_queued(1);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value()) << "a stop-gate review held the user's slot";
  EXPECT_EQ((*claimed)->job.id, queued->job.id);
  // Ended, the session's next stop may review again.
  ASSERT_TRUE(*store.finish(running.job.id, make_terminal(EndReason::kCompleted)));
  auto again = store.create_stop_gate_review(gate);
  ASSERT_TRUE(again.ok() && std::holds_alternative<CreatedJob>(*again));
}

TEST_F(RetentionTest, MarkReadKeepsTheFirstReadAndIgnoresActiveJobs) {
  JobStore store = open(JobStore::Options{});
  NewJob spec{JobKind::kTask, "t", "s", "session-1", false, {{"prompt", "p"}}};
  auto c = store.create(spec);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(*store.mark_read(c->job.id, clock_.now_ms()));
  EXPECT_EQ((*store.get(c->job.id))->read_at, 0) << "an active job has no result to read";
  ASSERT_TRUE(*store.finish(c->job.id, make_terminal(EndReason::kCompleted)));
  EXPECT_TRUE(*store.mark_read(c->job.id, clock_.now_ms()));
  int64_t first = (*store.get(c->job.id))->read_at;
  EXPECT_EQ(first, clock_.now_ms());
  clock_.advance(1000);
  EXPECT_FALSE(*store.mark_read(c->job.id, clock_.now_ms()));
  EXPECT_EQ((*store.get(c->job.id))->read_at, first);
  EXPECT_FALSE(*store.mark_read("task-unknown-000000", clock_.now_ms()));
  EXPECT_EQ(to_json(**store.get(c->job.id))["readAt"], "2026-11-18T11:06:40.000Z");
}

// A store of the previous schema: its stop-gate reviews become the gate's, its finished
// foreground jobs count as read (their output was printed when they ran), its background results
// stay unread.
TEST_F(RetentionTest, UpgradeMarksOlderStopGateReviewsAndPrintedResults) {
  std::string gate, foreground, background;
  {
    JobStore store = open(JobStore::Options{});
    NewJob spec{JobKind::kTask,
                "Codex Stop Gate Review",
                "s",
                "",
                false,
                {{"prompt", "p"}, {"ephemeral", true}}};
    gate = store.create(spec)->job.id;
    spec.title = "Codex Task";
    spec.request = {{"prompt", "p"}};
    foreground = store.create(spec)->job.id;
    spec.announce_end = true;
    background = store.create(spec)->job.id;
    for (const auto& id : {gate, foreground, background}) {
      ASSERT_TRUE(*store.finish(id, make_terminal(EndReason::kCompleted)));
    }
  }
  {
    auto db = Database::open(sys::default_env(), ws_.db_path(), false, 1000);
    ASSERT_TRUE(db.ok());
    for (const char* sql :
         {"DROP TABLE queue_state", "DELETE FROM schema_version WHERE version = 7",
          "DROP INDEX pruned_jobs_by_time", "DROP TABLE pruned_jobs",
          "ALTER TABLE jobs DROP COLUMN origin", "ALTER TABLE jobs DROP COLUMN read_at",
          "ALTER TABLE jobs DROP COLUMN resolved",
          "DELETE FROM schema_version WHERE version = 6"}) {
      ASSERT_TRUE(db->exec(sql).ok()) << sql << ": " << db->last_error();
    }
  }
  JobStore store = open(JobStore::Options{});
  EXPECT_EQ((*store.get(gate))->origin, JobOrigin::kStopGate);
  EXPECT_EQ((*store.get(foreground))->origin, JobOrigin::kUser);
  EXPECT_GT((*store.get(foreground))->read_at, 0);
  EXPECT_EQ((*store.get(background))->read_at, 0);
  EXPECT_TRUE(store.finished({}, 10)->size() == 2u);
}

}  // namespace
}  // namespace companion::store
