#include "store/job_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/job_id.h"
#include "store/job_log.h"
#include "sys/fs.h"
#include "sys/lock.h"
#include "sys/process.h"

namespace companion::store {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/companion-store-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ws_ = Workspace{dir_ + "/repo", dir_ + "/state/repo-0123456789abcdef"};
  }
  JobStore open(size_t keep = 50) {
    JobStore::Options o;
    o.keep_finished = keep;
    auto s = JobStore::open(ws_, o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }
  std::string dir_;
  Workspace ws_;
};

NewJob task_spec(std::string title = "a task") {
  return NewJob{"task", std::move(title), "summary", "session-1", false, {{"prompt", "hi"}}};
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

TEST_F(JobStoreTest, TerminalTransitionIsCompareAndSet) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  const std::string id = created->job.id;
  ASSERT_TRUE(*store.update(id, JobPatch{.mark_running = true, .phase = "running"}));
  auto first =
      store.finish(id, Terminal{JobStatus::kCompleted, "completed", "", {{"ok", 1}}, "done"});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  // A second writer (another process opening the same store) cannot overwrite it.
  JobStore other = open();
  auto second = other.finish(id, Terminal{JobStatus::kCancelled, "cancelled", "late", nullptr, ""});
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_FALSE(*other.update(id, JobPatch{.phase = "running"}));
  auto job = other.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kCompleted);
  EXPECT_EQ((*job)->end_reason, "completed");
  EXPECT_EQ((*job)->phase, "done");
  EXPECT_EQ((*job)->result["ok"], 1);
  EXPECT_EQ((*job)->rendered, "done");
  EXPECT_GT((*job)->completed_at, 0);
  EXPECT_FALSE(sys::path_exists(ws_.lock_path(id)));
}

TEST_F(JobStoreTest, ReadReconcilesJobWhoseOwnerIsGone) {
  JobStore store = open();
  std::string id;
  {
    auto created = store.create(task_spec());
    ASSERT_TRUE(created.ok());
    id = created->job.id;
    ASSERT_TRUE(*store.update(id, JobPatch{.mark_running = true}));
  }  // the lock is released here: the owner is gone
  auto active = store.active({});
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(active->empty());
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kFailed);
  EXPECT_EQ((*job)->end_reason, "worker-died");
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
  auto job = store.get(id);
  EXPECT_EQ((*job)->status, JobStatus::kCancelled);
  EXPECT_EQ((*job)->end_reason, "cancelled");
}

TEST_F(JobStoreTest, MissingLockFileUnderLiveOwnerIsNotReconciled) {
  JobStore store = open();
  auto created = store.create(task_spec());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(sys::remove_file(ws_.lock_path(created->job.id)).ok());
  // The row names this live process with its real start time: the owner is alive.
  EXPECT_EQ((*store.get(created->job.id))->status, JobStatus::kQueued);
  // A row whose process identity does not match is reconciled.
  ASSERT_TRUE(*store.update(created->job.id, JobPatch{.pid_start_time = 1}));
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
  JobStore store = open(/*keep=*/3);
  auto live = store.create(task_spec("live"));
  ASSERT_TRUE(live.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto c = store.create(task_spec("job " + std::to_string(i)));
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(append_log_line(c->job.log_file, "hello").ok());
    ASSERT_TRUE(
        *store.finish(c->job.id, Terminal{JobStatus::kCompleted, "completed", "", nullptr, ""}));
    ids.push_back(c->job.id);
    ::usleep(2000);  // distinct updatedAt values
  }
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

TEST_F(JobStoreTest, CorruptDatabaseIsAClearErrorAndUntouched) {
  ASSERT_TRUE(prepare_workspace_dirs(ws_).ok());
  const std::string garbage(8192, 'x');
  ASSERT_TRUE(sys::write_file_atomic(ws_.db_path(), garbage).ok());
  auto s = JobStore::open(ws_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("unreadable"), std::string::npos) << s.error().message;
  EXPECT_EQ(*sys::read_file(ws_.db_path()), garbage);
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
  ASSERT_TRUE(append_log_line(path, "multi\nline").ok());
  ASSERT_TRUE(append_log_block(path, "Final output", "a\n[b]\n").ok());
  auto text = sys::read_file(path);
  EXPECT_NE(text->find("] multi line\n"), std::string::npos);
  EXPECT_NE(text->find("] == Final output ==\n  a\n  [b]\n"), std::string::npos);
  EXPECT_EQ(progress_preview(path, 4), (std::vector<std::string>{"multi line"}));
}

TEST(Workspace, DirNameIsSlugPlusHash) {
  std::string name = workspace_dir_name("/home/me/My Project!");
  EXPECT_EQ(name.rfind("my-project-", 0), 0u);
  EXPECT_EQ(name.size(), std::string("my-project-").size() + 16);
  EXPECT_NE(workspace_dir_name("/a/x"), workspace_dir_name("/b/x"));
}

TEST(Workspace, StateRootFollowsEnvironment) {
  ::setenv("CLAUDE_PLUGIN_DATA", "/data/plugin", 1);
  EXPECT_EQ(*state_root(), "/data/plugin/state");
  ::unsetenv("CLAUDE_PLUGIN_DATA");
  ::setenv("XDG_STATE_HOME", "/xdg", 1);
  EXPECT_EQ(*state_root(), "/xdg/codex-companion");
  ::unsetenv("XDG_STATE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(*state_root(), "/home/someone/.local/state/codex-companion");
}

TEST(Workspace, RelativeStateVariables) {
  ::unsetenv("CLAUDE_PLUGIN_DATA");
  ::setenv("HOME", "/home/someone", 1);
  ::setenv("XDG_STATE_HOME", "relative/dir", 1);
  EXPECT_EQ(*state_root(), "/home/someone/.local/state/codex-companion");
  ::unsetenv("XDG_STATE_HOME");
  ::setenv("CLAUDE_PLUGIN_DATA", ".", 1);
  EXPECT_EQ(*state_root(), *sys::real_path(".") + "/state");
  ::setenv(kStateRootVariable, "/fixed/root", 1);
  EXPECT_EQ(*state_root(), "/fixed/root");
  ::unsetenv(kStateRootVariable);
  ::unsetenv("CLAUDE_PLUGIN_DATA");
}

TEST(Workspace, GitTopLevelWins) {
  char tmpl[] = "/tmp/companion-ws-XXXXXX";
  std::string dir = sys::real_path(::mkdtemp(tmpl)).value();
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/repo/.git").ok());
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/repo/src/deep").ok());
  EXPECT_EQ(*workspace_root_of(dir + "/repo/src/deep"), dir + "/repo");
  ASSERT_TRUE(sys::ensure_private_dir(dir + "/plain").ok());
  EXPECT_EQ(*workspace_root_of(dir + "/plain"), dir + "/plain");
  EXPECT_FALSE(workspace_root_of(dir + "/missing").ok());
}

}  // namespace
}  // namespace companion::store
