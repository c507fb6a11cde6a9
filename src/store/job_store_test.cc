#include "store/job_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/job_id.h"
#include "store/job_log.h"
#include "store/sqlite.h"
#include "store/store_test_support.h"
#include "sys/clock.h"
#include "sys/fake_env.h"
#include "sys/fs.h"
#include "sys/lock.h"
#include "sys/process.h"

namespace companion::store {
namespace {

using testing::record_gone_owners;

class JobStoreTest : public testing::WorkspaceFixture {
 protected:
  JobStore open(size_t keep = 50) {
    JobStore::Options o;
    o.keep_finished = keep;
    auto s = JobStore::open(ws_, sys::default_env(), o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }
};

NewJob task_spec(std::string title = "a task") {
  return NewJob{JobKind::kTask, std::move(title),  "summary", "session-1",
                false,          {{"prompt", "hi"}}};
}

TEST_F(JobStoreTest, CreatesPrivateDirectoriesAndQueuedJob) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->job.status, JobStatus::kQueued);
  EXPECT_EQ(*sys::probe_lock(ws_.lock_path(created->job.id)), sys::LockState::kHeld);
  struct stat st {};
  ASSERT_EQ(::stat(ws_.state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(ws_.db_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  auto got = store.get(created->job.id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->request["prompt"], "hi");
  EXPECT_EQ((*got)->status, JobStatus::kQueued);
}

// Found by fuzz/stored_rows (fuzz/crashes/stored_rows/deep-nesting): a stored request nested
// 100,000 levels deep was read back as JSON, and showing the job (a copy, a dump) overflowed the
// stack. Such a column now reads as the text it holds.
TEST_F(JobStoreTest, ColumnNestedTooDeepReadsAsTextInsteadOfOverflowingTheStack) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto writer = Database::open(sys::default_env(), ws_.db_path(), false, 1000);
  ASSERT_TRUE(writer.ok());
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ASSERT_TRUE(
      writer->exec("UPDATE jobs SET request = '" + deep + "' WHERE id = '" + created->job.id + "'")
          .ok());
  auto got = store.get(created->job.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_TRUE((*got)->request.is_string());
  EXPECT_EQ((*got)->request.get<std::string>(), deep);
  EXPECT_FALSE(to_json(**got).dump().empty());
}

TEST_F(JobStoreTest, TerminalTransitionIsCompareAndSet) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  const std::string id = created->job.id;
  ASSERT_TRUE(*store.start(id, StartInfo{::getpid(), 0}));
  ASSERT_TRUE(*store.update(id, JobPatch{.phase = Phase::kRunning}));
  auto first = store.finish(id, make_terminal(EndReason::kCompleted, "", {{"ok", 1}}, "done"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  // A second writer (another process opening the same store) cannot overwrite it.
  JobStore other = open();
  auto second = other.finish(id, make_terminal(EndReason::kCancelled, "late"));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_FALSE(*other.update(id, JobPatch{.phase = Phase::kRunning}));
  EXPECT_FALSE(*other.start(id, StartInfo{::getpid(), 0}));
  auto job = other.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kCompleted);
  EXPECT_EQ((*job)->end_reason, EndReason::kCompleted);
  EXPECT_EQ((*job)->phase, Phase::kDone);
  EXPECT_EQ((*job)->result["ok"], 1);
  EXPECT_EQ((*job)->rendered, "done");
  EXPECT_GT((*job)->completed_at, 0);
  EXPECT_FALSE(sys::path_exists(ws_.lock_path(id)));
}

TEST_F(JobStoreTest, RecordOwnerlessEndsJobWhoseOwnerIsGone) {
  JobStore store = open();
  std::string id;
  {
    auto created = store.create(task_spec());
    ASSERT_TRUE(created.ok());
    id = created->job.id;
    ASSERT_TRUE(*store.start(id, StartInfo{::getpid(), 0}));
  }  // the lock is released here: the owner is gone
  // A read is only a read: the job stays as stored until its end is recorded.
  EXPECT_EQ((*store.get(id))->status, JobStatus::kRunning);
  EXPECT_EQ(store.active({})->size(), 1u);
  EXPECT_EQ(record_gone_owners(store), std::vector<std::string>{id});
  EXPECT_TRUE(record_gone_owners(store).empty());  // recorded once
  auto active = store.active({});
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(active->empty());
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kFailed);
  EXPECT_EQ((*job)->end_reason, EndReason::kWorkerDied);
  EXPECT_NE((*job)->error_message.find("Worker exited unexpectedly (pid"), std::string::npos);
  auto log = sys::read_file(ws_.log_path(id));
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("Marked failed."), std::string::npos);
}

TEST_F(JobStoreTest, LivePidWithFreeLockIsStillReconciled) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  std::string id = created->job.id;
  // The row names this (live) process, but nobody holds the lock any more.
  created->lock.reset();
  ASSERT_TRUE(sys::process_matches(::getpid(), created->job.pid_start_time));
  record_gone_owners(store);
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kFailed);
}

TEST_F(JobStoreTest, OwnerGoneAfterCancelRequestEndsCancelled) {
  JobStore store = open();
  std::string id;
  {
    auto created = store.create(task_spec());
    ASSERT_TRUE(created.ok());
    id = created->job.id;
    ASSERT_TRUE(*store.update(id, JobPatch{.request_cancel = true}));
  }  // the owner dies before writing a terminal state
  record_gone_owners(store);
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kCancelled);
  EXPECT_EQ((*job)->end_reason, EndReason::kCancelled);
}

TEST_F(JobStoreTest, MissingLockFileUnderLiveOwnerIsNotReconciled) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(sys::remove_file(ws_.lock_path(created->job.id)).ok());
  // The row names this live process with its real start time: the owner is alive.
  EXPECT_TRUE(record_gone_owners(store).empty());
  EXPECT_EQ((*store.get(created->job.id))->status, JobStatus::kQueued);
  // A row whose process identity does not match is reconciled.
  ASSERT_TRUE(*store.update(created->job.id, JobPatch{.pid_start_time = 1}));
  record_gone_owners(store);
  auto job = store.get(created->job.id);
  EXPECT_EQ((*job)->status, JobStatus::kFailed);
  EXPECT_NE((*job)->error_message.find("lock is missing"), std::string::npos);
}

TEST_F(JobStoreTest, HeldLockKeepsJobActive) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  auto active = store.active({});
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ(active->front().status, JobStatus::kQueued);
}

TEST_F(JobStoreTest, RetentionKeepsNewestFinishedAndNeverActive) {
  sys::FakeClockEnv clock(sys::default_env());
  JobStore::Options options;
  options.keep_finished = 3;
  auto opened = JobStore::open(ws_, clock, options);
  ASSERT_TRUE(opened.ok());
  JobStore& store = *opened;
  auto live = store.create(task_spec("live"));
  ASSERT_TRUE(live.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto c = store.create(task_spec("job " + std::to_string(i)));
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(append_log_line(sys::default_env(), c->job.log_file, "hello").ok());
    ASSERT_TRUE(*store.finish(c->job.id, make_terminal(EndReason::kCompleted)));
    ASSERT_TRUE(
        store.mark_read(c->job.id, clock.now_ms()).ok());  // an unread result is kept longer
    ids.push_back(c->job.id);
    clock.advance(1);  // distinct updatedAt values
  }
  EXPECT_EQ(store.finished({}, 100)->size(), 6u);  // a finish prunes nothing by itself
  auto pruned = store.prune();
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(pruned->size(), 3u);
  auto finished = store.finished({}, 100);
  ASSERT_EQ(finished->size(), 3u);
  EXPECT_EQ(finished->front().id, ids[5]);
  EXPECT_EQ(finished->back().id, ids[3]);
  EXPECT_FALSE(sys::path_exists(ws_.log_path(ids[0])));
  EXPECT_TRUE(sys::path_exists(ws_.log_path(ids[5])));
  EXPECT_EQ(store.active({})->size(), 1u);
}

TEST_F(JobStoreTest, SessionFilterAndPrefixLookup) {
  JobStore store = open();
  auto a = store.create(task_spec());
  NewJob other = task_spec();
  other.session_id = "session-2";
  auto b = store.create(other);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(store.active(JobFilter{"session-1"})->size(), 1u);
  EXPECT_EQ(store.active(JobFilter{})->size(), 2u);
  auto matches = store.with_prefix("task-", 10);
  EXPECT_EQ(matches->size(), 2u);
  auto exact = store.with_prefix(a->job.id, 10);
  ASSERT_EQ(exact->size(), 1u);
  EXPECT_EQ(exact->front().id, a->job.id);
}

TEST_F(JobStoreTest, ConfigRoundTrip) {
  JobStore store = open();
  EXPECT_FALSE(store.config("stopReviewGate")->has_value());
  ASSERT_TRUE(store.set_config("stopReviewGate", "true").ok());
  ASSERT_TRUE(store.set_config("stopReviewGate", "false").ok());
  EXPECT_EQ(**store.config("stopReviewGate"), "false");
  EXPECT_FALSE(*store.review_gate());
  ASSERT_TRUE(store.set_review_gate(true).ok());
  EXPECT_TRUE(*store.review_gate());
  EXPECT_EQ(**store.config("stopReviewGate"), "true");
}

// Completion notices (the user-prompt-submit hook): only jobs created to be announced, only once
// they ended, only for their session, and each one exactly once, to whichever store asks first.
TEST_F(JobStoreTest, EndedJobsAreAnnouncedOnceToTheirSession) {
  JobStore store = open();
  NewJob background = task_spec("background");
  background.announce_end = true;
  auto announced = store.create(background);
  auto foreground = store.create(task_spec("foreground"));
  NewJob other_session = background;
  other_session.session_id = "session-2";
  auto other = store.create(other_session);
  auto still_running = store.create(background);
  ASSERT_TRUE(announced.ok() && foreground.ok() && other.ok() && still_running.ok());
  EXPECT_TRUE(store.take_ended_announcements("session-1", 10)->empty());  // none ended yet
  for (const auto* c : {&*announced, &*foreground, &*other}) {
    ASSERT_TRUE(*store.finish(c->job.id, make_terminal(EndReason::kCompleted)));
  }
  JobStore second = open();  // another process asking at the same time
  auto taken = store.take_ended_announcements("session-1", 10);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(taken->front().id, announced->job.id);
  EXPECT_EQ(taken->front().status, JobStatus::kCompleted);
  EXPECT_TRUE(second.take_ended_announcements("session-1", 10)->empty());
  EXPECT_TRUE(store.take_ended_announcements("session-1", 10)->empty());
  EXPECT_EQ(second.take_ended_announcements("session-2", 10)->size(), 1u);
  // A job whose owner died is announced once its end is recorded.
  ASSERT_TRUE(*store.update(still_running->job.id, JobPatch{.pid = 4194303, .pid_start_time = 1}));
  still_running->lock.reset();
  EXPECT_TRUE(store.take_ended_announcements("session-1", 10)->empty());
  record_gone_owners(store);
  auto died = store.take_ended_announcements("session-1", 10);
  ASSERT_EQ(died->size(), 1u);
  EXPECT_EQ(died->front().id, still_running->job.id);
  EXPECT_EQ(died->front().status, JobStatus::kFailed);
}

TEST_F(JobStoreTest, CorruptDatabaseIsAClearErrorAndUntouched) {
  ASSERT_TRUE(prepare_workspace_dirs(sys::default_env(), ws_).ok());
  const std::string garbage(8192, 'x');
  ASSERT_TRUE(sys::write_file_atomic(ws_.db_path(), garbage).ok());
  auto s = JobStore::open(ws_, sys::default_env(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("unreadable"), std::string::npos) << s.error().message;
  EXPECT_EQ(*sys::read_file(ws_.db_path()), garbage);
}

// The life cycle is enforced by the store: queued → running → terminal, queued → terminal.
TEST_F(JobStoreTest, TransitionsFollowTheLifeCycle) {
  JobStore store = open();
  auto queued = store.create(task_spec());
  ASSERT_TRUE(queued.ok());
  const std::string id = queued->job.id;
  ASSERT_TRUE(*store.start(id, StartInfo{::getpid(), 0}));
  EXPECT_FALSE(*store.start(id, StartInfo{::getpid(), 0}));  // running is not queued
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kRunning);
  EXPECT_EQ((*job)->phase, Phase::kStarting);
  EXPECT_GT((*job)->started_at, 0);
  // queued → cancelled directly, and then nothing starts it.
  auto other = store.create(task_spec());
  ASSERT_TRUE(*store.finish(other->job.id, make_terminal(EndReason::kCancelled, "Cancelled.")));
  EXPECT_FALSE(*store.start(other->job.id, StartInfo{::getpid(), 0}));
  EXPECT_EQ((*store.get(other->job.id))->status, JobStatus::kCancelled);
  EXPECT_EQ((*store.get(other->job.id))->started_at, 0);
}

TEST(Lifecycle, OneMappingPerEnumAndStatusFollowsReason) {
  for (auto r :
       {EndReason::kCompleted, EndReason::kTurnFailed, EndReason::kAppServerExited,
        EndReason::kBrokerLost, EndReason::kStalled, EndReason::kDeadline, EndReason::kCancelled,
        EndReason::kWorkerDied, EndReason::kNoFinalMessage, EndReason::kError}) {
    EXPECT_EQ(parse_end_reason(to_string(r)), r);
  }
  EXPECT_EQ(to_string(EndReason::kNoFinalMessage), "no-final-message");
  EXPECT_EQ(make_terminal(EndReason::kCompleted).status, JobStatus::kCompleted);
  EXPECT_EQ(make_terminal(EndReason::kCancelled).status, JobStatus::kCancelled);
  EXPECT_EQ(make_terminal(EndReason::kNoFinalMessage).status, JobStatus::kFailed);
  EXPECT_EQ(parse_phase("verifying"), Phase::kVerifying);
  EXPECT_FALSE(parse_phase("bogus").has_value());
  EXPECT_EQ(parse_job_kind("adversarial-review"), JobKind::kAdversarialReview);
  EXPECT_EQ(kind_label(JobKind::kTask), "rescue");
}

// Regression (no OS call of ours was bounded by the caller's time): SQLite answers some lock
// races without its busy handler and we retry those; the retries must end within the
// connection's busy timeout, or `cancel` cannot keep its 5 s bound against a stopped writer.
TEST_F(JobStoreTest, BusyRetriesAreBoundedByTheBusyTimeout) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  auto writer = Database::open(sys::default_env(), ws_.db_path(), false, 1000);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(
      writer->exec("BEGIN IMMEDIATE").ok());  // holds the write lock, like a SIGSTOPped writer
  store.set_busy_timeout(150);
  int64_t start = sys::monotonic_ms();
  auto patched = store.update(created->job.id, JobPatch{.request_cancel = true});
  int64_t took = sys::monotonic_ms() - start;
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().code, ErrorCode::kBusy) << patched.error().message;
  EXPECT_LT(took, 1000);
  ASSERT_TRUE(writer->exec("ROLLBACK").ok());
  EXPECT_TRUE(*store.update(created->job.id, JobPatch{.request_cancel = true}));
}

TEST(JobId, FormatAndValidation) {
  std::string id = new_job_id("task", 1795000000000);
  EXPECT_EQ(id.rfind("task-" + to_base36(1795000000000) + "-", 0), 0u);
  EXPECT_EQ(id.size(), 5 + to_base36(1795000000000).size() + 1 + 6);
  EXPECT_TRUE(validate_job_ref(id).ok());
  EXPECT_FALSE(validate_job_ref("").ok());
  EXPECT_FALSE(validate_job_ref("../etc").ok());
  EXPECT_FALSE(validate_job_ref("Task-1").ok());
  EXPECT_FALSE(validate_job_ref("a/b").ok());
  EXPECT_FALSE(validate_job_ref(std::string(65, 'a')).ok());
  EXPECT_TRUE(validate_job_ref(std::string(64, 'a')).ok());
  EXPECT_EQ(to_base36(0), "0");
  EXPECT_EQ(to_base36(35), "z");
  EXPECT_EQ(to_base36(36), "10");
}

TEST(JobLog, PreviewSkipsBlocksAndKeepsLastLines) {
  std::string tail =
      "[2026-01-01T00:00:00.000Z] one\n"
      "[2026-01-01T00:00:01.000Z] == Final output ==\n"
      "  [not a progress line]\n"
      "[2026-01-01T00:00:02.000Z] two\n"
      "[2026-01-01T00:00:03.000Z] three\n"
      "garbage\n"
      "[2026-01-01T00:00:04.000Z] four\n";
  EXPECT_EQ(progress_lines_in(tail, 3), (std::vector<std::string>{"two", "three", "four"}));
  EXPECT_EQ(progress_lines_in(tail, 10), (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_TRUE(progress_lines_in("", 4).empty());
}

TEST(JobLog, BlocksAreIndentedAndLinesFolded) {
  char tmpl[] = "/tmp/companion-log-XXXXXX";
  std::string path = std::string(::mkdtemp(tmpl)) + "/job.log";
  sys::Env& env = sys::default_env();
  ASSERT_TRUE(append_log_line(env, path, "multi\nline").ok());
  ASSERT_TRUE(append_log_block(env, path, "Final output", "a\n[b]\n").ok());
  auto text = sys::read_file(path);
  EXPECT_NE(text->find("] multi line\n"), std::string::npos);
  EXPECT_NE(text->find("] == Final output ==\n  a\n  [b]\n"), std::string::npos);
  EXPECT_EQ(progress_preview(env, path, 4), (std::vector<std::string>{"multi line"}));
}

TEST(Workspace, DirNameIsSlugPlusHash) {
  std::string name = workspace_dir_name("/home/me/My Project!");
  EXPECT_EQ(name.rfind("my-project-", 0), 0u);
  EXPECT_EQ(name.size(), std::string("my-project-").size() + 16);
  EXPECT_NE(workspace_dir_name("/a/x"), workspace_dir_name("/b/x"));
}

TEST(Workspace, GitTopLevelWins) {
  char tmpl[] = "/tmp/companion-ws-XXXXXX";
  std::string dir = sys::real_path(::mkdtemp(tmpl)).value();
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/repo/.git").ok());
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/repo/src/deep").ok());
  EXPECT_EQ(*workspace_root_of(sys::default_env(), dir + "/repo/src/deep"), dir + "/repo");
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/plain").ok());
  EXPECT_EQ(*workspace_root_of(sys::default_env(), dir + "/plain"), dir + "/plain");
  EXPECT_FALSE(workspace_root_of(sys::default_env(), dir + "/missing").ok());
}

// Found while tracing a chaos runner violation: the record did not keep the app-server, so
// tearing down a broker that died could not end what its app-server had started.
TEST_F(JobStoreTest, BrokerSessionRecordKeepsItsAppServer) {
  JobStore store = open();
  BrokerSession session;
  session.endpoint = "unix:/tmp/cxc-test/broker.sock";
  session.pid = 4242;
  session.pid_start_time = 77;
  session.app_server_pid = 4243;
  session.app_server_start_time = 78;
  ASSERT_TRUE(store.set_broker_session(session).ok());
  auto recorded = store.broker_session("");
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->pid, 4242);
  EXPECT_EQ((*recorded)->app_server_pid, 4243);
  EXPECT_EQ((*recorded)->app_server_start_time, 78U);
}

// A broker served runs of another Codex identity: there is now one record per identity, and
// clearing one (only while it is still the recorded endpoint) leaves the others.
TEST_F(JobStoreTest, OneBrokerRecordPerIdentity) {
  JobStore store = open();
  BrokerSession a;
  a.key = "aaaaaaaaaaaaaaaa";
  a.identity = {{"digest", "aaaa"}, {"codexHome", "/a"}};
  a.endpoint = "unix:/tmp/cxc-a/broker.sock";
  BrokerSession b = a;
  b.key = "bbbbbbbbbbbbbbbb";
  b.endpoint = "unix:/tmp/cxc-b/broker.sock";
  BrokerSession legacy;
  legacy.endpoint = "unix:/tmp/cxc-old/broker.sock";
  ASSERT_TRUE(store.set_broker_session(a).ok());
  ASSERT_TRUE(store.set_broker_session(b).ok());
  ASSERT_TRUE(store.set_broker_session(legacy).ok());
  ASSERT_TRUE(store.set_config("brokerSessionality", "{}").ok());  // not a record
  auto all = store.broker_sessions();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].key, "");
  EXPECT_EQ((*all)[1].key, a.key);
  EXPECT_EQ((*all)[1].identity["codexHome"], "/a");
  EXPECT_EQ((*all)[2].endpoint, b.endpoint);
  EXPECT_EQ((*store.broker_session(b.key))->endpoint, b.endpoint);
  EXPECT_FALSE(store.broker_session("cccccccccccccccc")->has_value());
  ASSERT_TRUE(store.clear_broker_session(a.key, b.endpoint).ok());  // not a's endpoint: kept
  EXPECT_TRUE(store.broker_session(a.key)->has_value());
  ASSERT_TRUE(store.clear_broker_session(a.key, a.endpoint).ok());
  EXPECT_FALSE(store.broker_session(a.key)->has_value());
  EXPECT_EQ(store.broker_sessions()->size(), 2U);
}

}  // namespace
}  // namespace companion::store
