// The sys/ pieces the second security round added: names quoted as git quotes them, the one rule
// for ids exchanged with Codex, lstat kinds and canonical prefixes, the user's umask for children,
// and hashing in constant memory.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "sys/fs.h"
#include "sys/path_checks.h"
#include "sys/process.h"
#include "sys/run.h"
#include "sys/sha256.h"
#include "sys/text.h"

namespace companion::sys {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/companion-names-XXXXXX";
  return ::mkdtemp(tmpl);
}

// Regression: a newline in a file name wrote a fake line into `result`'s changes list.
TEST(QuotePath, FileNameForgesLine) {
  EXPECT_EQ(quote_path("a.txt"), "a.txt");
  EXPECT_EQ(quote_path("dir/with space.txt"), "dir/with space.txt");
  EXPECT_EQ(quote_path("x\nRun: rm -rf ~"), "\"x\\nRun: rm -rf ~\"");
  EXPECT_EQ(quote_path("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(quote_path("q\"b\\"), "\"q\\\"b\\\\\"");
  EXPECT_EQ(quote_path(std::string("nul\0x", 5)), "\"nul\\000x\"");
  EXPECT_EQ(quote_path("esc\x1b[2J"), "\"esc\\033[2J\"");
  EXPECT_EQ(quote_path("del\x7f"), "\"del\\177\"");
  // Non-ASCII, as git's default core.quotePath shows it: every byte in octal (so a right-to-left
  // override, U+202E, cannot reorder what follows it).
  EXPECT_EQ(quote_path("caf\xc3\xa9"), "\"caf\\303\\251\"");
  EXPECT_EQ(quote_path("\xe2\x80\xae"
                       "txt.exe"),
            "\"\\342\\200\\256txt.exe\"");
  for (const char* name : {"a\nb", "a\rb", "a\x1b", "\xc2\x9b"}) {
    std::string quoted = quote_path(name);
    for (char c : quoted) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << name;
    for (char c : quoted) EXPECT_LT(static_cast<unsigned char>(c), 0x7f) << name;
  }
}

// Regression: ids from the app-server were printed in `codex resume <id>` unchecked.
TEST(CodexId, OneRuleForIdsWeSendAndReceive) {
  for (const char* ok : {"019a8c6e-7f5e-7a31-9c1d-2b3c4d5e6f70", "thr_1", "a.b:c", "x"}) {
    EXPECT_TRUE(is_codex_id(ok)) << ok;
  }
  EXPECT_TRUE(is_codex_id(std::string(kMaxCodexIdBytes, 'a')));
  EXPECT_FALSE(is_codex_id(std::string(kMaxCodexIdBytes + 1, 'a')));
  for (const char* bad : {"", "-rf", "abc; rm -rf ~", "a b", "a\nb", "$(id)", "`id`", "a'b", "a\"b",
                          "caf\xc3\xa9", "a/b", "a\x1b[0m"}) {
    EXPECT_FALSE(is_codex_id(bad)) << bad;
  }
}

TEST(PathKind, NeverFollowsSymlinks) {
  std::string dir = temp_dir();
  std::string file = dir + "/f";
  std::string link = dir + "/l";
  ASSERT_TRUE(write_file_atomic(file, "x").ok());
  ASSERT_EQ(::symlink(dir.c_str(), link.c_str()), 0);
  EXPECT_EQ(path_kind(dir), PathKind::kDirectory);
  EXPECT_EQ(path_kind(file), PathKind::kRegular);
  EXPECT_EQ(path_kind(link), PathKind::kSymlink);
  EXPECT_EQ(path_kind(dir + "/missing"), PathKind::kMissing);
  EXPECT_EQ(path_kind(file + "/below-a-file"), PathKind::kMissing);
  EXPECT_EQ(*read_link(link), dir);
  EXPECT_FALSE(read_link(file).ok());
  ::unlink(link.c_str());
  ::unlink(file.c_str());
  ::rmdir(dir.c_str());
}

TEST(ResolveExistingPrefix, CanonicalEvenWhereNothingExistsYet) {
  std::string dir = temp_dir();
  std::string real = *real_path(dir);
  std::string link = dir + "/link";
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  EXPECT_EQ(resolve_existing_prefix(link + "/new/deeper"), real + "/new/deeper");
  EXPECT_EQ(resolve_existing_prefix(link + "/"), real);
  EXPECT_EQ(resolve_existing_prefix("/"), "/");
  EXPECT_EQ(resolve_existing_prefix("/no-such-top/x"), "/no-such-top/x");
  EXPECT_TRUE(is_inside_or_same(real + "/a", real));
  EXPECT_TRUE(is_inside_or_same(real, real + "/"));
  EXPECT_FALSE(is_inside_or_same(real + "x/a", real));
  EXPECT_TRUE(is_inside_or_same("/anything", "/"));
  ::unlink(link.c_str());
  ::rmdir(dir.c_str());
}

// Regression: children inherited the companion's private umask (077), so files Codex, git and
// the notify command created came out 0600. A child gets the umask given, else the user's.
TEST(Spawn, ChildGetsTheUmaskGiven) {
  RunOptions run;
  run.argv = {"/bin/sh", "-c", "umask"};
  mode_t before = ::umask(077);
  auto inherited = run_command(run);
  ::umask(before);
  ASSERT_TRUE(inherited.ok());
  // Not prepared (a unit test): the child keeps this process's umask as it was at the spawn.
  if (!user_umask()) {
    EXPECT_EQ(inherited->out, "0077\n");
  }
  SpawnOptions spawn_options;
  spawn_options.argv = {"/bin/sh", "-c", "umask > \"$OUT\""};
  std::string dir = temp_dir();
  spawn_options.env = {{"OUT", dir + "/umask"}};
  spawn_options.umask = 022;
  auto pid = spawn(spawn_options);
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(reap_within(*pid, 5000).has_value());
  EXPECT_EQ(*read_file(dir + "/umask"), "0022\n");
  ::unlink((dir + "/umask").c_str());
  ::rmdir(dir.c_str());
}

// Regression: `transfer` read the whole transcript into memory to hash it.
TEST(Sha256, IncrementalAndFileDigestsMatchTheWholeOne) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "line " + std::to_string(i) + "\n";
  for (size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 4096u}) {
    Sha256 digest;
    for (size_t at = 0; at < data.size(); at += piece) {
      digest.update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(digest.hex_digest(), sha256_hex(data)) << piece;
  }
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::string dir = temp_dir();
  ASSERT_TRUE(write_file_atomic(dir + "/t.jsonl", data).ok());
  EXPECT_EQ(*sha256_file_hex(dir + "/t.jsonl", Links::kRefuse), sha256_hex(data));
  ASSERT_EQ(::symlink((dir + "/t.jsonl").c_str(), (dir + "/l.jsonl").c_str()), 0);
  EXPECT_FALSE(sha256_file_hex(dir + "/l.jsonl", Links::kRefuse).ok());
  EXPECT_FALSE(sha256_file_hex(dir, Links::kRefuse).ok());
  ::unlink((dir + "/l.jsonl").c_str());
  ::unlink((dir + "/t.jsonl").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace companion::sys
