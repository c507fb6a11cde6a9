#include "sys/file_rewrite.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sys/fs.h"

namespace companion::sys {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/companion-rewrite-XXXXXX";
  return ::mkdtemp(tmpl);
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(::toupper(static_cast<unsigned char>(c)));
  return out + "!";
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(RewriteFile, ReplacesTheContentsKeepingTheModeAndLeavesNoTemporaryFile) {
  std::string dir = temp_dir();
  std::string path = dir + "/env.sh";
  ASSERT_TRUE(write_file_atomic(path, "abc").ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  ASSERT_TRUE(rewrite_file(path, 1024, 0600, upper).ok());
  EXPECT_EQ(*read_file(path), "ABC!");
  EXPECT_EQ(mode_of(path), 0644u);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino) << "replaced by a rename, not written in place";
  EXPECT_EQ(*list_dir(dir), std::vector<std::string>{"env.sh"});
}

TEST(RewriteFile, CreatesAMissingFileWithTheNewMode) {
  std::string path = temp_dir() + "/new.sh";
  ASSERT_TRUE(rewrite_file(path, 1024, 0600, upper).ok());
  EXPECT_EQ(*read_file(path), "!");
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(RewriteFile, WritesNothingWhenTheEditChangesNothing) {
  std::string path = temp_dir() + "/same";
  ASSERT_TRUE(write_file_atomic(path, "same").ok());
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  ASSERT_TRUE(
      rewrite_file(path, 1024, 0600, [](std::string_view s) { return std::string(s); }).ok());
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
}

TEST(RewriteFile, RefusesSymlinksFifosDirectoriesAndFilesBeyondTheBound) {
  std::string dir = temp_dir();
  ASSERT_TRUE(write_file_atomic(dir + "/target", "untouched").ok());
  ASSERT_EQ(::symlink((dir + "/target").c_str(), (dir + "/link").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkdir((dir + "/dir").c_str(), 0700), 0);
  ASSERT_TRUE(write_file_atomic(dir + "/big", std::string(2048, 'x')).ok());
  struct Case {
    const char* name;
    const char* fragment;
  };
  for (const Case& c : {Case{"link", "symlink"}, Case{"fifo", "not a regular file"},
                        Case{"dir", "not a regular file"}, Case{"big", "larger than 1 KiB"}}) {
    Status s = rewrite_file(dir + "/" + c.name, 1024, 0600, upper);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_NE(s.error().message.find(c.fragment), std::string::npos) << s.error().message;
  }
  EXPECT_EQ(*read_file(dir + "/target"), "untouched");
  EXPECT_EQ(read_file(dir + "/big", 4096)->size(), 2048u);
  EXPECT_TRUE(::access((dir + "/link").c_str(), F_OK) == 0);
  struct stat st {};
  ASSERT_EQ(::lstat((dir + "/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(list_dir(dir)->size(), 5u) << "a temporary file was left behind";
}

// A writer that appends while the edit runs: its line is not lost, the edit is done again.
TEST(RewriteFile, AnAppendDuringTheEditIsKept) {
  std::string path = temp_dir() + "/env.sh";
  ASSERT_TRUE(write_file_atomic(path, "a\n").ok());
  int edits = 0;
  Status s = rewrite_file(path, 1024, 0600, [&](std::string_view old) {
    if (++edits == 1) {
      EXPECT_TRUE(append_file(path, "other\n").ok());
    }
    return std::string(old) + "ours\n";
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(edits, 2);
  EXPECT_EQ(*read_file(path), "a\nother\nours\n");
}

TEST(RewriteFile, GivesUpOnAFileThatKeepsChanging) {
  std::string dir = temp_dir();
  std::string path = dir + "/busy";
  ASSERT_TRUE(write_file_atomic(path, "a").ok());
  Status s = rewrite_file(path, 1 << 20, 0600, [&](std::string_view old) {
    EXPECT_TRUE(append_file(path, "x").ok());
    return std::string(old) + "y";
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("kept changing"), std::string::npos) << s.error().message;
  EXPECT_EQ(*read_file(path), "axxx");
  EXPECT_EQ(list_dir(dir)->size(), 1u);
}

}  // namespace
}  // namespace companion::sys
