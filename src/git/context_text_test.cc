#include "git/context_text.h"

#include <gtest/gtest.h>

#include "git/test_repo.h"
#include "sys/env.h"
#include "sys/fs.h"

namespace companion::git {
namespace {

TEST(Fenced, UsesAFenceLongerThanAnyBacktickRun) {
  EXPECT_EQ(fenced("plain"), "```\nplain\n```\n");
  EXPECT_EQ(fenced("a\n", "diff"), "```diff\na\n```\n");
  EXPECT_EQ(fenced("x ``` y ```` z"), "`````\nx ``` y ```` z\n`````\n");
  EXPECT_EQ(fenced(""), "```\n```\n");
}

TEST(SplitDiffByFile, SplitsAtDiffGitLines) {
  std::string diff =
      "diff --git a/x b/x\n+1\ndiff --git a/y b/y\n+2\n text diff --git inside\n"
      "diff --git a/z b/z\n";
  auto chunks = split_diff_by_file(diff);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "diff --git a/x b/x\n+1\n");
  EXPECT_EQ(chunks[1], "diff --git a/y b/y\n+2\n text diff --git inside\n");
  EXPECT_EQ(chunks[2], "diff --git a/z b/z\n");
  EXPECT_TRUE(split_diff_by_file("").empty());
  EXPECT_EQ(split_diff_by_file("preamble\ndiff --git a b\n").size(), 2u);
}

TEST(BoundDiff, ReplacesOnlyOversizedFiles) {
  std::string big = "diff --git a/big b/big\n" + std::string(200, '+') + "\n";
  std::string small = "diff --git a/s b/s\n+ok\n";
  auto bounded = bound_diff(small + big + small, 100);
  EXPECT_EQ(bounded.omitted_files, 1u);
  EXPECT_EQ(bounded.text.find(small), 0u);
  EXPECT_NE(bounded.text.find("diff --git a/big b/big\n(this file's diff is omitted: 224 B, over "
                              "the 100 B per-file limit"),
            std::string::npos)
      << bounded.text;
  EXPECT_EQ(bounded.text.find("++++"), std::string::npos);
  EXPECT_EQ(bounded.text.rfind(small), bounded.text.size() - small.size());
}

TEST(FormatSize, Units) {
  EXPECT_EQ(format_size(300), "300 B");
  EXPECT_EQ(format_size(64 * 1024), "64.0 KiB");
  EXPECT_EQ(format_size(3 * 1024 * 1024 / 2), "1.5 MiB");
}

TEST(RenderUntrackedFile, KindsAndBudget) {
  testing::TempDir dir;
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/t.txt", "text\n").ok());
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/b.bin", std::string("a\0b", 3)).ok());
  auto text = render_untracked_file(sys::default_env(), dir.path(), "t.txt", 100, 100);
  EXPECT_EQ(text.kind, UntrackedKind::kInlined);
  EXPECT_EQ(text.text, "### t.txt\n```\ntext\n```\n");
  EXPECT_EQ(text.bytes, 5u);
  EXPECT_EQ(render_untracked_file(sys::default_env(), dir.path(), "t.txt", 4, 100).kind,
            UntrackedKind::kTooLarge);
  EXPECT_EQ(render_untracked_file(sys::default_env(), dir.path(), "t.txt", 100, 4).kind,
            UntrackedKind::kTooLarge);
  EXPECT_EQ(render_untracked_file(sys::default_env(), dir.path(), "b.bin", 100, 100).kind,
            UntrackedKind::kBinary);
  EXPECT_EQ(render_untracked_file(sys::default_env(), dir.path(), "gone.txt", 100, 100).kind,
            UntrackedKind::kSkipped);
  testing::run_in(dir.path(), {"mkfifo", "pipe"});
  auto fifo =
      render_untracked_file(sys::default_env(), dir.path(), "pipe", 100, 100);  // must not block
  EXPECT_EQ(fifo.kind, UntrackedKind::kSkipped);
  EXPECT_NE(fifo.text.find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace companion::git
