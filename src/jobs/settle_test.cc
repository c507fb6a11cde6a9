#include "jobs/settle.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "git/test_repo.h"
#include "git/worktree.h"
#include "jobs/fake_owner_env.h"
#include "jobs/jobs_test_support.h"
#include "store/settings.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace companion::jobs {
namespace {

using testing::FakeOwnerEnv;

constexpr pid_t kOwner = 4242;
constexpr uint64_t kOwnerStart = 777;

// What settle may start, with a program that is never run (the fake env records spawns).
SettleEffects effects() {
  return SettleEffects{"/bin/true", "/nonexistent-state-root", [] { return std::string("codex"); }};
}

size_t spawned(const FakeOwnerEnv& env, const std::string& command) {
  return static_cast<size_t>(std::count_if(
      env.spawned().begin(), env.spawned().end(),
      [&](const sys::SpawnOptions& o) { return o.argv.size() > 1 && o.argv[1] == command; }));
}

class SettleTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    store_ = open(env_);
    ASSERT_TRUE(store_->set_config(std::string(store::kNotifyKey), "true").ok());
  }
  // A running background job (its end is announced, so its notify command runs) owned by the
  // fake owner process.
  store::Job background_job() {
    store::NewJob spec{store::JobKind::kTask, "Codex Task", "a task", "s1", false, nullptr};
    spec.announce_end = true;
    auto created = store_->create(spec);
    EXPECT_TRUE(created.ok()) << created.error().message;
    lock_ = std::move(created->lock);
    EXPECT_TRUE(*store_->start(created->job.id, store::StartInfo{kOwner, kOwnerStart}));
    env_.set_owner(ws_.lock_path(created->job.id), {});
    return **store_->get(created->job.id);
  }
  std::string waiting_job() {
    store::NewJob spec{store::JobKind::kTask,          "Codex Task", "waits", "s1", false,
                       nlohmann::json{{"prompt", "p"}}};
    spec.wait_for_slot = true;
    spec.announce_end = true;
    auto created = store_->create(spec);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created->job.id;
  }
  store::JobStatus status(const std::string& id) { return (*store_->get(id))->status; }

  FakeOwnerEnv env_{sys::default_env()};
  std::unique_ptr<store::JobStore> store_;
  sys::UniqueFd lock_;
};

// A disk that fills up: creating a lock file fails as SQLite's writes do then.
class FullDiskEnv : public FakeOwnerEnv {
 public:
  using FakeOwnerEnv::FakeOwnerEnv;
  bool full = false;
  Result<sys::UniqueFd> create_locked_file(const std::string& path) override {
    if (full) return make_coded_error(ErrorCode::kDiskFull, "the disk holding {} is full", path);
    return FakeOwnerEnv::create_locked_file(path);
  }
};

class FullDiskSettleTest : public testing::StoreFixture {
 protected:
  FullDiskEnv env_{sys::default_env()};
};

// Regression (reading the store had hidden effects): a plain read of a job whose owner died
// ended the owner's sessions (and, through the callbacks the CLI installed, started notifiers and
// queued workers and removed worktrees). A read is a read: nothing starts, nothing ends.
TEST_F(SettleTest, PlainStoreReadStartsAndEndsNothing) {
  store::Job job = background_job();
  ASSERT_TRUE(store_->set_config(std::string(store::kMaxParallelKey), "1").ok());
  std::string waiting = waiting_job();
  env_.release_at(env_.monotonic_ms());  // the owner dies without a word
  ASSERT_TRUE(store_->get(job.id).ok());
  ASSERT_TRUE(store_->active(store::JobFilter{}).ok());
  ASSERT_TRUE(store_->finished(store::JobFilter{}, 10).ok());
  ASSERT_TRUE(store_->with_prefix(job.id.substr(0, 6), 4).ok());
  ASSERT_TRUE(store_->queue().ok());
  EXPECT_TRUE(env_.ended_sessions().empty());
  EXPECT_TRUE(env_.spawned().empty());
  EXPECT_TRUE(env_.signals().empty());
  EXPECT_EQ(status(job.id), store::JobStatus::kRunning);  // as stored: nobody recorded its end
  EXPECT_TRUE((*store_->get(waiting))->waiting());
}

TEST_F(SettleTest, DeadWorkersJobEndsFailedAndItsNotifierRunsOnce) {
  store::Job job = background_job();
  auto live = settle(*store_, effects());
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_TRUE(live->ended.empty());
  EXPECT_EQ(status(job.id), store::JobStatus::kRunning);

  env_.release_at(env_.monotonic_ms());  // SIGKILLed: nothing written
  auto settled = settle(*store_, effects());
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  EXPECT_EQ(settled->ended, std::vector<std::string>{job.id});
  auto ended = *store_->get(job.id);
  EXPECT_EQ(ended->status, store::JobStatus::kFailed);
  EXPECT_EQ(ended->end_reason, store::EndReason::kWorkerDied);
  // What the owner left running was ended (its session), before the end was recorded.
  EXPECT_NE(std::find(env_.ended_sessions().begin(), env_.ended_sessions().end(),
                      std::make_pair(kOwner, kOwnerStart)),
            env_.ended_sessions().end());
  EXPECT_EQ(spawned(env_, "notify-job"), 1u);

  auto again = settle(*store_, effects());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->ended.empty());
  EXPECT_EQ(spawned(env_, "notify-job"), 1u) << "the notify command ran twice for one end";
}

TEST_F(SettleTest, EndRecordedByItsOwnerIsNotifiedOnlyByTheWinner) {
  store::Job job = background_job();
  ASSERT_TRUE(*store_->finish(job.id, store::make_terminal(store::EndReason::kCompleted)));
  env_.release_at(env_.monotonic_ms());
  ASSERT_TRUE(settle(*store_, effects(), {job.id}).ok());  // the owner that won
  ASSERT_TRUE(settle(*store_, effects()).ok());            // anyone else afterwards
  EXPECT_EQ(spawned(env_, "notify-job"), 1u);
  EXPECT_EQ(status(job.id), store::JobStatus::kCompleted);
}

TEST_F(SettleTest, QueuedJobIsPromotedOnlyWhenASlotIsFree) {
  store::Job running = background_job();
  ASSERT_TRUE(store_->set_config(std::string(store::kMaxParallelKey), "1").ok());
  std::string waiting = waiting_job();

  auto full = settle(*store_, effects());
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_TRUE(full->started.empty());
  EXPECT_EQ(spawned(env_, "task-worker"), 0u);
  EXPECT_TRUE((*store_->get(waiting))->waiting());

  env_.release_at(env_.monotonic_ms());  // the running job's worker dies: its slot frees
  auto freed = settle(*store_, effects());
  ASSERT_TRUE(freed.ok()) << freed.error().message;
  EXPECT_EQ(freed->ended, std::vector<std::string>{running.id});
  EXPECT_EQ(freed->started, std::vector<std::string>{waiting});
  ASSERT_EQ(spawned(env_, "task-worker"), 1u);
  auto worker = std::find_if(env_.spawned().begin(), env_.spawned().end(),
                             [](const sys::SpawnOptions& o) { return o.argv[1] == "task-worker"; });
  EXPECT_NE(std::find(worker->argv.begin(), worker->argv.end(), waiting), worker->argv.end());
  EXPECT_FALSE((*store_->get(waiting))->waiting());
}

// Regression (the chaos runner, a full disk): `result` and `cancel` printed "note: could not
// start a queued job: cannot write the job store: the disk … is full" besides their one error
// line. A store that cannot be written claims nothing: no note, and the next settle tries again.
TEST_F(FullDiskSettleTest, QueueThatCannotBeWrittenIsNotReportedAndIsTriedAgain) {
  auto store = open(env_);
  store::NewJob spec{store::JobKind::kTask,          "Codex Task", "waits", "s1", false,
                     nlohmann::json{{"prompt", "p"}}};
  spec.wait_for_slot = true;
  auto waiting = store->create(spec);
  ASSERT_TRUE(waiting.ok()) << waiting.error().message;
  env_.full = true;
  auto full = settle(*store, effects());
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_FALSE(full->queue_error.has_value()) << full->queue_error->message;
  EXPECT_TRUE(full->started.empty());
  EXPECT_TRUE((*store->get(waiting->job.id))->waiting());
  env_.full = false;
  auto freed = settle(*store, effects());
  ASSERT_TRUE(freed.ok());
  EXPECT_EQ(freed->started, std::vector<std::string>{waiting->job.id});
}

TEST_F(SettleTest, WithoutAnExecutableNothingStartsButEndsAreRecorded) {
  store::Job job = background_job();
  waiting_job();
  env_.release_at(env_.monotonic_ms());
  auto settled = settle(*store_, SettleEffects{});
  ASSERT_TRUE(settled.ok());
  EXPECT_EQ(settled->ended, std::vector<std::string>{job.id});
  EXPECT_TRUE(settled->started.empty());
  EXPECT_TRUE(env_.spawned().empty());
}

TEST_F(SettleTest, PrunedWorktreeTasksWorktreeAndBranchAreRemoved) {
  git::testing::TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  store::JobStore::Options keep_none;
  keep_none.keep_finished = 0;
  keep_none.keep_unread = 0;
  auto store = store::JobStore::open(ws_, env_, keep_none);
  ASSERT_TRUE(store.ok()) << store.error().message;
  store::NewJob spec{store::JobKind::kTask,
                     "Codex Task",
                     "t",
                     "s1",
                     true,
                     nlohmann::json{{"worktree", true}, {"cwd", repo.root()}}};
  auto created = store->create(spec);
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string id = created->job.id;
  const std::string path = git::worktree_path(ws_.state_dir, id);
  std::string head = repo.git({"rev-parse", "HEAD"});
  head.erase(head.find_last_not_of('\n') + 1);
  ASSERT_TRUE(git::add_worktree(env_, repo.root(), path, git::worktree_branch(id), head).ok());
  ASSERT_TRUE(*store->finish(id, store::make_terminal(store::EndReason::kCompleted)));
  EXPECT_TRUE(sys::path_exists(path));  // a finish alone removes nothing of the user's

  auto settled = settle(*store, effects());
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  EXPECT_EQ(settled->pruned, std::vector<std::string>{id});
  EXPECT_FALSE(store->get(id)->has_value());
  EXPECT_FALSE(sys::path_exists(path));
  EXPECT_FALSE(git::branch_commit(env_, repo.root(), git::worktree_branch(id)).ok());
}

// Regression (descendants outlived their job): the owner and its app-server were SIGKILLed, so
// nobody ended what they started. Settling ends both sessions before it records the end.
TEST_F(SettleTest, SettleEndsWhatADeadOwnerLeftRunning) {
  auto store = open(sys::default_env());
  auto created = store->create(
      store::NewJob{store::JobKind::kTask, "Codex Task", "a task", "s1", false, nullptr});
  ASSERT_TRUE(created.ok());
  const std::string id = created->job.id;
  // An "app-server" that leads its own session and started a helper that ignores SIGTERM and
  // lives in its own process group (as Codex starts MCP servers).
  std::string pid_file = dir_ + "/helper.pid";
  sys::SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c",
                "python3 -c 'import os, signal, sys, time\n"
                "os.setpgid(0, 0)\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "open(sys.argv[1], \"w\").write(str(os.getpid()))\n"
                "time.sleep(60)' " +
                    pid_file + " & exec sleep 60"};
  spawn.new_session = true;
  auto app_server = sys::spawn(spawn);
  ASSERT_TRUE(app_server.ok()) << app_server.error().message;
  ASSERT_TRUE(*store->update(
      id, store::JobPatch{.app_server_pid = *app_server,
                          .app_server_start_time = sys::process_start_time(*app_server)}));
  std::string helper_text;
  for (int i = 0; i < 500 && helper_text.empty(); ++i) {
    auto text = sys::read_file(pid_file);
    if (text) helper_text = *text;
    if (helper_text.empty()) sys::sleep_ms(10);
  }
  ASSERT_FALSE(helper_text.empty());
  pid_t helper = std::stoi(helper_text);
  ASSERT_TRUE(sys::process_start_time(helper).has_value());
  created->lock.reset();  // the owner is gone
  ASSERT_EQ(::kill(*app_server, SIGKILL), 0);
  ASSERT_TRUE(sys::reap_within(*app_server, 5000).has_value());
  EXPECT_TRUE(sys::process_start_time(helper).has_value());  // orphaned, still running
  auto settled = settle(*store, SettleEffects{});
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  EXPECT_EQ((*store->get(id))->status, store::JobStatus::kFailed);
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !sys::process_start_time(helper).has_value();
    if (!gone) sys::sleep_ms(10);
  }
  EXPECT_TRUE(gone) << "helper " << helper << " outlived its job";
  if (!gone) ::kill(helper, SIGKILL);
}

}  // namespace
}  // namespace companion::jobs
