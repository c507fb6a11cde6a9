#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/lock.h"
#include "sys/process.h"
#include "sys/sha256.h"

namespace companion::sys {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/companion-sys-XXXXXX";
  return ::mkdtemp(tmpl);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Clock, IsoRoundTrip) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(1795000000123), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(parse_iso_time("2026-11-18T11:06:40.123Z"), 1795000000123);
  EXPECT_EQ(parse_iso_time("2026-11-18T11:06:40Z"), 1795000000000);
  EXPECT_FALSE(parse_iso_time("yesterday").has_value());
  EXPECT_FALSE(parse_iso_time("2026-11-18T11:06:40").has_value());
}

TEST(Fs, PrivateDirRefusesSymlinkAndIsNeverLoosenedOrTightened) {
  std::string dir = temp_dir();
  std::string target = dir + "/real";
  ASSERT_TRUE(ensure_private_dir(target + "/a/b").ok());
  struct stat st {};
  ASSERT_EQ(::stat((target + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_TRUE(ensure_private_dir(target).ok());
  ASSERT_EQ(::symlink(target.c_str(), (dir + "/link").c_str()), 0);
  Status s = ensure_private_dir(dir + "/link");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("symlink"), std::string::npos);
  ASSERT_TRUE(append_file(dir + "/file", "x").ok());
  EXPECT_FALSE(ensure_private_dir(dir + "/file").ok());
}

// Regression (we chmod-ed directories we did not create): pointing the state root at an existing
// shared directory made it 0700. Now it is refused, with the fix, and its mode stays as it was.
TEST(Fs, ExistingSharedDirectoryIsRefusedNotChmodded) {
  std::string dir = temp_dir();
  for (mode_t mode : {01777, 0755, 0750}) {
    std::string shared = dir + "/shared" + std::to_string(mode);
    ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(shared.c_str(), mode), 0);
    Status s = ensure_private_dir(shared);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("chmod 700"), std::string::npos) << s.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(shared.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, mode);
  }
}

// Regression: a FIFO or symlink planted where a state file belongs hung or redirected reads.
TEST(Fs, ReadsRefuseFifoAndSymlinkAndAreBounded) {
  std::string dir = temp_dir();
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  auto fifo = read_file(dir + "/fifo");
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("not a regular file"), std::string::npos);
  EXPECT_FALSE(read_tail(dir + "/fifo", 10).ok());
  EXPECT_FALSE(append_file(dir + "/fifo", "x").ok());
  ASSERT_TRUE(write_file_atomic(dir + "/real", "secret").ok());
  ASSERT_EQ(::symlink((dir + "/real").c_str(), (dir + "/link").c_str()), 0);
  EXPECT_FALSE(read_file(dir + "/link").ok());
  EXPECT_FALSE(read_tail(dir + "/link", 10).ok());
  EXPECT_FALSE(append_file(dir + "/link", "x").ok());
  EXPECT_EQ(*read_file(dir + "/link", 100, Links::kFollow), "secret");
  auto big = read_file(dir + "/real", 3);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("larger than 3 bytes"), std::string::npos);
  EXPECT_FALSE(read_file("/dev/zero", 1024, Links::kFollow).ok());
}

TEST(Fs, TailReadsOnlyTheEnd) {
  std::string dir = temp_dir();
  std::string path = dir + "/log";
  ASSERT_TRUE(append_file(path, "0123456789").ok());
  EXPECT_EQ(*read_tail(path, 4), "6789");
  EXPECT_EQ(*read_tail(path, 100), "0123456789");
  ASSERT_TRUE(write_file_atomic(path, "new").ok());
  EXPECT_EQ(*read_file(path), "new");
  EXPECT_FALSE(read_file(dir + "/missing").ok());
}

TEST(Lock, ProbeSeesHolderAndRelease) {
  std::string path = temp_dir() + "/job.lock";
  EXPECT_EQ(*probe_lock(path), LockState::kMissing);
  {
    auto fd = create_locked_file(path);
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(*probe_lock(path), LockState::kHeld);
    EXPECT_FALSE(create_locked_file(path).ok());
  }
  EXPECT_EQ(*probe_lock(path), LockState::kFree);
}

TEST(Lock, ChildHoldsHandedOverLockUntilKilled) {
  std::string path = temp_dir() + "/job.lock";
  auto fd = create_locked_file(path);
  ASSERT_TRUE(fd.ok());
  SpawnOptions opts;
  opts.argv = {"sleep", "30"};
  opts.keep_fds = {{fd->get(), 3}};
  opts.new_session = true;
  auto pid = spawn(opts);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  fd->reset();  // the launcher lets go; the child's copy keeps the lock
  EXPECT_EQ(*probe_lock(path), LockState::kHeld);
  EXPECT_TRUE(process_start_time(*pid).has_value());
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  ASSERT_TRUE(reap_within(*pid, 5000).has_value());
  EXPECT_EQ(*probe_lock(path), LockState::kFree);
}

TEST(Process, MissingProgramIsAnError) {
  SpawnOptions opts;
  opts.argv = {"definitely-not-a-program-xyz"};
  auto pid = spawn(opts);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.error().message.find("not found"), std::string::npos);
}

TEST(Process, StartTimeDistinguishesRecycledPid) {
  pid_t self = ::getpid();
  auto start = process_start_time(self);
  ASSERT_TRUE(start.has_value());
  EXPECT_TRUE(process_matches(self, *start));
  EXPECT_FALSE(process_matches(self, *start + 1));
  EXPECT_FALSE(process_start_time(0).has_value());
}

TEST(Process, ExitStatusIsDescribed) {
  SpawnOptions opts;
  opts.argv = {"sh", "-c", "exit 3"};
  auto pid = spawn(opts);
  ASSERT_TRUE(pid.ok());
  auto status = reap_within(*pid, 5000);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(describe_wait_status(*status), "exit code 3");
}

}  // namespace
}  // namespace companion::sys
