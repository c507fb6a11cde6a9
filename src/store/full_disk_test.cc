// The store on a full disk: a small tmpfs, mounted in a private mount namespace of this test
// process (skipped unless running as root with mount namespaces available).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "store/job_log.h"
#include "store/job_store.h"
#include "store/store_test_support.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/fs.h"

namespace companion::store {
namespace {

constexpr const char* kDiskFull = "the disk holding";

// An end record_gone_owners cannot write is shown in memory.
using testing::record_gone_owners;

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
    if (::unshare(CLONE_NEWNS) != 0) GTEST_SKIP() << "no mount namespace: " << strerror(errno);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << strerror(errno);
    char tmpl[] = "/tmp/companion-full-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=512k,nr_inodes=64,mode=0700"), 0)
        << strerror(errno);
    mounted_ = true;
    ws_ = Workspace{dir_ + "/repo", dir_ + "/state/repo-0123456789abcdef"};
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }

  // Writes zeros until the disk refuses more; afterwards not one more byte fits.
  void fill_disk() {
    sys::UniqueFd fd(::open((dir_ + "/fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd.valid());
    std::string block(4096, '\0');
    while (::write(fd.get(), block.data(), block.size()) > 0) {
    }
    ASSERT_EQ(errno, ENOSPC);
    auto probe = sys::append_file(dir_ + "/probe", "x");
    ASSERT_FALSE(probe.ok()) << "the disk still has room";
  }
  void free_disk() { ASSERT_EQ(::unlink((dir_ + "/fill").c_str()), 0); }

  // Creates empty files until no inode is left: then not even an empty file can be created.
  void use_up_inodes() {
    for (int i = 0;; ++i) {
      sys::UniqueFd fd(::open((dir_ + "/inode-" + std::to_string(i)).c_str(),
                              O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
      if (!fd.valid()) {
        ASSERT_EQ(errno, ENOSPC);
        return;
      }
    }
  }

  JobStore open() {
    auto s = JobStore::open(ws_, sys::default_env(), {});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }

  // Stores `count` completed jobs and enables the review gate; returns their ids.
  std::vector<std::string> store_finished_jobs(JobStore& store, int count) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      auto created = store.create(
          NewJob{JobKind::kTask, "job " + std::to_string(i), "s", "session-1", false, {{"i", i}}});
      EXPECT_TRUE(created.ok()) << created.error().message;
      auto won =
          store.finish(created->job.id, make_terminal(EndReason::kCompleted, "", {{"i", i}}, "ok"));
      EXPECT_TRUE(won.ok() && *won);
      ids.push_back(created->job.id);
    }
    EXPECT_TRUE(store.set_config("stopReviewGate", "true").ok());
    return ids;
  }

  // A queued job whose owner is gone: its lock is released at once.
  std::string ownerless_job(JobStore& store) {
    auto created = store.create(NewJob{JobKind::kTask, "orphan", "s", "session-1", false, nullptr});
    EXPECT_TRUE(created.ok()) << created.error().message;
    // Whoever ends it later does so at a later millisecond, so it sorts as the newest job.
    for (int64_t created_at = created->job.created_at; sys::now_ms() <= created_at;) {
    }
    return created->job.id;
  }

  // Our connections leave the WAL when they close (no checkpoint on close). A plain SQLite
  // connection, the last one out, copies it into the database and deletes it, -shm included:
  // the store as a clean close left it before, where the first write needs a new file.
  void checkpoint_and_drop_wal() {
    sqlite3* plain = nullptr;
    ASSERT_EQ(sqlite3_open(ws_.db_path().c_str(), &plain), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(plain, "SELECT count(*) FROM jobs", nullptr, nullptr, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_close(plain), SQLITE_OK);
    ASSERT_FALSE(sys::path_exists(ws_.db_path() + "-wal"));
  }

  std::string integrity() {
    auto db = Database::open(sys::default_env(), ws_.db_path(), /*create=*/false, 1000);
    EXPECT_TRUE(db.ok());
    auto stmt = db->prepare("PRAGMA integrity_check");
    EXPECT_TRUE(stmt.ok());
    auto row = stmt->step();
    EXPECT_TRUE(row.ok() && *row);
    return stmt->column_text(0);
  }

  std::string dir_;
  bool mounted_ = false;
  Workspace ws_;
};

TEST_F(FullDiskTest, StoredJobsStayReadableAndWritesFailClearly) {
  std::vector<std::string> ids;
  {
    JobStore store = open();
    ids = store_finished_jobs(store, 3);
  }
  checkpoint_and_drop_wal();
  fill_disk();
  {
    JobStore store = open();
    EXPECT_TRUE(store.read_only());
    auto finished = store.finished(JobFilter{}, 10);
    ASSERT_TRUE(finished.ok()) << finished.error().message;
    EXPECT_EQ(finished->size(), 3u);
    auto got = store.get(ids[1]);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->request["i"], 1);
    auto prefixed = store.with_prefix(ids[0].substr(0, ids[0].size() - 1), 4);
    ASSERT_TRUE(prefixed.ok());
    EXPECT_EQ(prefixed->front().id, ids[0]);
    EXPECT_EQ(*store.config("stopReviewGate"), "true");

    auto set = store.set_config("stopReviewGate", "false");
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.error().message.find(kDiskFull), std::string::npos) << set.error().message;
    EXPECT_NE(set.error().message.find(ws_.state_dir), std::string::npos);
    auto created = store.create(NewJob{JobKind::kTask, "new", "s", "", false, nullptr});
    ASSERT_FALSE(created.ok());
    EXPECT_NE(created.error().message.find(kDiskFull), std::string::npos);
    EXPECT_FALSE(store.update(ids[0], JobPatch{.phase = Phase::kRunning}).ok());
  }
  free_disk();
  JobStore store = open();
  EXPECT_FALSE(store.read_only());
  EXPECT_EQ(store.finished(JobFilter{}, 10)->size(), 3u);
  EXPECT_TRUE(store.set_config("stopReviewGate", "false").ok());
  EXPECT_EQ(integrity(), "ok");
}

TEST_F(FullDiskTest, OwnerlessJobIsShownEndedUntilItCanBeRecorded) {
  std::string orphan;
  {
    JobStore store = open();
    store_finished_jobs(store, 2);
    orphan = ownerless_job(store);
  }
  checkpoint_and_drop_wal();
  fill_disk();
  {
    JobStore store = open();
    ASSERT_TRUE(store.read_only());
    record_gone_owners(store);
    auto active = store.active(JobFilter{});
    ASSERT_TRUE(active.ok()) << active.error().message;
    EXPECT_TRUE(active->empty());
    auto finished = store.finished(JobFilter{"session-1"}, 2);
    ASSERT_TRUE(finished.ok());
    ASSERT_EQ(finished->size(), 2u);
    const Job& latest = finished->front();
    EXPECT_EQ(latest.id, orphan);
    EXPECT_EQ(latest.status, JobStatus::kFailed);
    EXPECT_EQ(latest.end_reason, EndReason::kWorkerDied);
    EXPECT_NE(latest.error_message.find("Not recorded yet"), std::string::npos);
    EXPECT_NE(latest.error_message.find(kDiskFull), std::string::npos);
    EXPECT_TRUE(store.finished(JobFilter{"another session"}, 5)->empty());
    auto got = store.get(orphan);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->status, JobStatus::kFailed);
    auto prefixed = store.with_prefix(orphan, 4);
    ASSERT_TRUE(prefixed.ok());
    EXPECT_EQ(prefixed->front().status, JobStatus::kFailed);
  }
  EXPECT_TRUE(sys::path_exists(ws_.lock_path(orphan)));  // nothing changed on disk
  free_disk();
  JobStore store = open();
  record_gone_owners(store);
  auto got = store.get(orphan);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->status, JobStatus::kFailed);
  EXPECT_EQ((*got)->error_message.find("Not recorded"), std::string::npos);
  EXPECT_FALSE(sys::path_exists(ws_.lock_path(orphan)));
  EXPECT_EQ(integrity(), "ok");
}

TEST_F(FullDiskTest, FailedWriteDuringReadOfWritableStoreStillShowsTheJob) {
  // A store another connection keeps open stays writable on a full disk (its -shm exists), but
  // ending an ownerless job then finds no room.
  JobStore keeper = open();
  store_finished_jobs(keeper, 1);
  std::string orphan = ownerless_job(keeper);
  fill_disk();
  record_gone_owners(keeper);
  auto got = keeper.get(orphan);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->status, JobStatus::kFailed);
  EXPECT_NE((*got)->error_message.find("Not recorded yet"), std::string::npos);
  EXPECT_TRUE(keeper.active(JobFilter{})->empty());
  free_disk();
  record_gone_owners(keeper);
  got = keeper.get(orphan);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->error_message.find("Not recorded"), std::string::npos);
}

TEST_F(FullDiskTest, TransactionsStillInTheWalAreRead) {
  // A copy of a store taken while a writer has it open: the jobs are only in its -wal file.
  std::string copy_dir = dir_ + "/copy";
  std::vector<std::string> ids;
  {
    JobStore writer = open();
    ids = store_finished_jobs(writer, 2);
    ASSERT_TRUE(std::filesystem::create_directories(copy_dir + "/jobs"));
    for (const std::string& made : {copy_dir, copy_dir + "/jobs"}) {
      std::filesystem::permissions(made, std::filesystem::perms::owner_all);  // private, as ours
    }
    for (const char* suffix : {"", "-wal"}) {
      std::filesystem::copy_file(ws_.db_path() + suffix, copy_dir + "/state.db" + suffix);
    }
  }
  ASSERT_GT(std::filesystem::file_size(copy_dir + "/state.db-wal"), 32u);
  ws_.state_dir = copy_dir;
  fill_disk();
  JobStore store = open();
  EXPECT_TRUE(store.read_only());
  auto finished = store.finished(JobFilter{}, 10);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->size(), 2u);
}

TEST_F(FullDiskTest, WithoutRoomForEvenAnEmptyFileTheDatabaseFileIsRead) {
  {
    JobStore store = open();
    store_finished_jobs(store, 2);
  }
  checkpoint_and_drop_wal();
  fill_disk();
  use_up_inodes();
  JobStore store = open();
  EXPECT_TRUE(store.read_only());
  EXPECT_FALSE(sys::path_exists(ws_.db_path() + "-shm"));
  auto finished = store.finished(JobFilter{}, 10);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->size(), 2u);
}

TEST_F(FullDiskTest, NewStoreOnFullDiskIsAClearError) {
  fill_disk();
  auto s = JobStore::open(ws_, sys::default_env(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(kDiskFull), std::string::npos) << s.error().message;
}

TEST_F(FullDiskTest, LogAppendFailsWholeAndLaterAppendsWork) {
  std::string log = dir_ + "/job.log";
  ASSERT_TRUE(append_log_line(sys::default_env(), log, "first").ok());
  fill_disk();
  std::string before = *sys::read_file(log);
  auto failed = append_log_block(sys::default_env(), log, "Final output",
                                 std::string(size_t{64} * 1024, 'x'));
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*sys::read_file(log), before);  // no half-written block
  free_disk();
  ASSERT_TRUE(append_log_line(sys::default_env(), log, "second").ok());
  EXPECT_EQ(progress_preview(sys::default_env(), log, 5),
            (std::vector<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace companion::store
