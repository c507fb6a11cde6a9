#include "git/apply_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>

#include "git/git_command.h"
#include "git/test_repo.h"
#include "git/worktree.h"
#include "sys/env.h"

namespace companion::git {
namespace {

using sys::PathKind;

// A made-up work tree: path -> kind; anything not listed is missing.
PathKindOf disk(std::map<std::string, PathKind> entries) {
  return [entries = std::move(entries)](const std::string& relative) {
    auto it = entries.find(relative);
    return it == entries.end() ? PathKind::kMissing : it->second;
  };
}

TreeChange added(const std::string& path, const std::string& mode = kModeRegular) {
  return TreeChange{'A', "", mode, path};
}

TEST(ApplyPaths, OrdinaryChangesAreSafe) {
  auto kind = disk({{"src", PathKind::kDirectory}, {"src/a.c", PathKind::kRegular}});
  EXPECT_FALSE(find_unsafe_apply_path({added("src/new.c"), added("new/dir/x"),
                                       TreeChange{'M', kModeRegular, kModeRegular, "src/a.c"},
                                       TreeChange{'D', kModeRegular, "", "src/a.c"}},
                                      kind));
}

// Regression: an untracked symlink to a directory outside the repository took the files a
// worktree task added under its name.
TEST(ApplyPaths, ApplyWritesOutsideTheRepository) {
  auto kind = disk({{"out", PathKind::kSymlink},
                    {"deep", PathKind::kDirectory},
                    {"deep/link", PathKind::kSymlink}});
  auto unsafe = find_unsafe_apply_path({added("out/evil.txt")}, kind);
  ASSERT_TRUE(unsafe);
  EXPECT_EQ(unsafe->path, "out/evil.txt");
  EXPECT_EQ(unsafe->through, "out");
  EXPECT_TRUE(unsafe->in_work_tree);
  // Deeper, a modification, a deletion through the link: all refused.
  EXPECT_TRUE(find_unsafe_apply_path({added("deep/link/a/b")}, kind));
  EXPECT_TRUE(find_unsafe_apply_path({TreeChange{'M', kModeRegular, kModeRegular, "out/x"}}, kind));
  EXPECT_TRUE(find_unsafe_apply_path({TreeChange{'D', kModeRegular, "", "out/x"}}, kind));
  // The path itself a symlink where the change expects a file: refused, never written through.
  EXPECT_TRUE(find_unsafe_apply_path({TreeChange{'M', kModeRegular, kModeRegular, "out"}}, kind));
  // Something that is neither a directory nor a link on the way (or cannot be inspected).
  EXPECT_TRUE(find_unsafe_apply_path({added("fifo/x")}, disk({{"fifo", PathKind::kOther}})));
}

TEST(ApplyPaths, ChangingOrDeletingATrackedSymlinkItselfIsSafe) {
  auto kind = disk({{"link", PathKind::kSymlink}});
  EXPECT_FALSE(find_unsafe_apply_path({TreeChange{'M', kModeSymlink, kModeSymlink, "link"}}, kind));
  EXPECT_FALSE(find_unsafe_apply_path({TreeChange{'D', kModeSymlink, "", "link"}}, kind));
  // A symlink replaced by a directory: git deletes the link first, then makes a real directory.
  EXPECT_FALSE(find_unsafe_apply_path(
      {TreeChange{'D', kModeSymlink, "", "link"}, added("link/file")}, kind));
}

TEST(ApplyPaths, SymlinkTheChangeCreatesIsNeverWrittenThrough) {
  auto kind = disk({});
  auto unsafe = find_unsafe_apply_path({added("d", kModeSymlink), added("d/x")}, kind);
  ASSERT_TRUE(unsafe);
  EXPECT_EQ(unsafe->through, "d");
  EXPECT_FALSE(unsafe->in_work_tree);
  // Deeper and in another letter case (a case-insensitive file system makes them one).
  EXPECT_TRUE(find_unsafe_apply_path({added("a/Link", kModeSymlink), added("a/link/x")}, kind));
  // A new symlink alone is only a symlink.
  EXPECT_FALSE(find_unsafe_apply_path({added("d", kModeSymlink), added("e/x")}, kind));
}

TEST(ApplyPaths, NamesThatLeaveTheTreeAreRefused) {
  auto kind = disk({});
  for (const char* bad :
       {"../x", "a/../../x", ".git/config", "a/.GIT/hooks/pre-commit", "a//b", "./x", "a/"}) {
    auto unsafe = find_unsafe_apply_path({added(bad)}, kind);
    ASSERT_TRUE(unsafe) << bad;
    EXPECT_TRUE(unsafe->through.empty()) << bad;
  }
}

TEST(ParseRaw, ReadsStatusModesAndPaths) {
  std::string out = std::string(":100644 120000 ") + std::string(40, 'a') + " " +
                    std::string(40, 'b') + " T" + '\0' + "f" + '\0' + ":000000 100755 " +
                    std::string(40, '0') + " " + std::string(40, 'c') + " A" + '\0' +
                    "we\"ird\nname" + '\0' + "1\t1\tf" + '\0' + "2\t0\twe\"ird\nname" + '\0';
  std::vector<TreeChange> raw = parse_raw(out);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0].status, 'T');
  EXPECT_EQ(raw[0].old_mode, "100644");
  EXPECT_EQ(raw[0].new_mode, "120000");
  EXPECT_EQ(raw[1].old_mode, "");
  EXPECT_EQ(raw[1].path, "we\"ird\nname");
  DiffStat stat = parse_numstat(out, 10);
  ASSERT_EQ(stat.files_changed, 2u);
  EXPECT_EQ(stat.files[0].new_mode, kModeSymlink);
  EXPECT_EQ(stat.files[1].status, 'A');
  EXPECT_EQ(stat.files[1].new_mode, kModeExecutable);
  EXPECT_EQ(stat.insertions, 3);
}

// The whole way, on a real repository: the change is refused and nothing is written, neither
// through the link nor in the work tree or the index.
TEST(ApplyPaths, RealApplyRefusesAndWritesNothing) {
  testing::TempRepo repo;
  repo.write("a.txt", "one\n");
  repo.commit_all("initial");
  std::string base = trim_right(repo.git({"rev-parse", "HEAD"}));
  std::string outside = repo.scratch() + "/outside";
  testing::run_in(repo.scratch(), {"mkdir", "-p", outside});
  // The change, made elsewhere: a commit adding out/evil.txt on another branch.
  repo.git({"checkout", "-q", "-b", "task"});
  repo.write("out/evil.txt", "pwned\n");
  repo.commit_all("task");
  std::string head = trim_right(repo.git({"rev-parse", "HEAD"}));
  repo.git({"checkout", "-q", "main"});
  testing::run_in(repo.root(), {"rm", "-rf", "out"});
  ASSERT_EQ(::symlink(outside.c_str(), (repo.root() + "/out").c_str()), 0);  // untracked
  std::string index = repo.git({"ls-files", "--stage"});
  auto applied =
      apply_change(sys::default_env(), repo.root(), base, head, repo.scratch() + "/p.patch");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, ErrorCode::kUnsafe);
  EXPECT_NE(applied.error().message.find("symlink out"), std::string::npos)
      << applied.error().message;
  EXPECT_FALSE(sys::path_exists(outside + "/evil.txt"));
  EXPECT_EQ(repo.git({"ls-files", "--stage"}), index);
  EXPECT_FALSE(sys::path_exists(repo.scratch() + "/p.patch"));
}

}  // namespace
}  // namespace companion::git
