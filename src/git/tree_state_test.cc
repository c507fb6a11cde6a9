#include "git/tree_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "git/test_repo.h"
#include "git/worktree.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using testing::TempRepo;

TEST(ParseNumstat, CountsTextAndBinaryFiles) {
  std::string out =
      std::string("3\t1\ta.txt") + '\0' + "-\t-\timg.png" + '\0' + "0\t7\tgone.c" + '\0';
  DiffStat stat = parse_numstat(out, 10);
  EXPECT_EQ(stat.files_changed, 3u);
  EXPECT_EQ(stat.insertions, 3);
  EXPECT_EQ(stat.deletions, 8);
  ASSERT_EQ(stat.files.size(), 3u);
  EXPECT_EQ(stat.files[0].path, "a.txt");
  EXPECT_TRUE(stat.files[1].binary);
  EXPECT_FALSE(stat.truncated());
}

TEST(ParseNumstat, KeepsTotalsBeyondTheFileLimit) {
  std::string out;
  for (int i = 0; i < 5; ++i) out += "1\t0\tf" + std::to_string(i) + '\0';
  DiffStat stat = parse_numstat(out, 2);
  EXPECT_EQ(stat.files_changed, 5u);
  EXPECT_EQ(stat.insertions, 5);
  EXPECT_EQ(stat.files.size(), 2u);
  EXPECT_TRUE(stat.truncated());
}

TEST(ParseNumstat, SkipsMalformedRecordsAndKeepsOddPaths) {
  std::string out = std::string("x\t1\tbad") + '\0' + "no tabs" + '\0' + "-1\t2\tneg" + '\0' +
                    "2\t0\tdir/with\ttab and space" + '\0';
  DiffStat stat = parse_numstat(out, 10);
  ASSERT_EQ(stat.files_changed, 1u);
  EXPECT_EQ(stat.files[0].path, "dir/with\ttab and space");
  EXPECT_EQ(parse_numstat("", 10).files_changed, 0u);
}

TEST(IsObjectId, AcceptsOnlyFullLowercaseHex) {
  EXPECT_TRUE(is_object_id(std::string(40, 'a')));
  EXPECT_TRUE(is_object_id(std::string(64, '0')));
  EXPECT_FALSE(is_object_id(std::string(39, 'a')));
  EXPECT_FALSE(is_object_id("--output=" + std::string(31, 'a')));
  EXPECT_FALSE(is_object_id(std::string(40, 'A')));
}

TEST(SnapshotTree, MeasuresTrackedUntrackedAndDeletedFilesWithoutTouchingTheIndex) {
  TempRepo repo;
  repo.write("a.txt", "one\ntwo\n");
  repo.write("b.txt", "keep\n");
  repo.write(".gitignore", "ignored.log\n");
  repo.commit_all("initial");
  repo.write("staged.txt", "staged\n");
  repo.git({"add", "staged.txt"});
  std::string index_before = repo.git({"ls-files", "--stage"});
  std::string scratch = repo.scratch() + "/scratch.index";

  auto before = snapshot_tree(sys::default_env(), repo.root(), scratch);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(is_object_id(before->head));
  repo.write("a.txt", "one\n2\nthree\n");
  repo.write("new/c.txt", "c\n");
  repo.write("ignored.log", "noise\n");
  ASSERT_EQ(::unlink((repo.root() + "/b.txt").c_str()), 0);
  auto after = snapshot_tree(sys::default_env(), repo.root(), scratch);
  ASSERT_TRUE(after.ok()) << after.error().message;

  auto stat = diff_trees(sys::default_env(), repo.root(), before->tree, after->tree, 10);
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(stat->files_changed, 3u);  // a.txt, b.txt, new/c.txt; not ignored.log
  EXPECT_EQ(stat->insertions, 3);
  EXPECT_EQ(stat->deletions, 2);
  EXPECT_FALSE(sys::path_exists(scratch));
  EXPECT_EQ(repo.git({"ls-files", "--stage"}), index_before);
}

TEST(SnapshotTree, WorksBeforeTheFirstCommitAndSeesNoChangeWhenNothingChanged) {
  TempRepo repo;
  repo.write("a.txt", "one\n");
  std::string scratch = repo.scratch() + "/scratch.index";
  auto before = snapshot_tree(sys::default_env(), repo.root(), scratch);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(before->head.empty());
  auto again = snapshot_tree(sys::default_env(), repo.root(), scratch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(before->tree, again->tree);
  auto stat = diff_trees(sys::default_env(), repo.root(), before->tree, again->tree, 10);
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->files_changed, 0u);
}

TEST(SnapshotTree, RefusesADirectoryOutsideGit) {
  testing::TempDir dir;
  auto state = snapshot_tree(sys::default_env(), dir.path(), dir.path() + "/scratch.index");
  EXPECT_FALSE(state.ok());
}

}  // namespace
}  // namespace companion::git
