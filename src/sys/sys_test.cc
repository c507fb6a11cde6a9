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

TEST(Clock, DurationBounds) {
  EXPECT_EQ(parse_duration_ms("0", 0), 0);
  EXPECT_FALSE(parse_duration_ms("0", 1).has_value());
  EXPECT_EQ(parse_duration_ms("2000", 1), 2000);
  EXPECT_EQ(parse_duration_ms(std::to_string(kMaxDurationMs), 0), kMaxDurationMs);
  EXPECT_FALSE(parse_duration_ms(std::to_string(kMaxDurationMs + 1), 0).has_value());
  EXPECT_FALSE(parse_duration_ms("9223372036854775807", 0).has_value());
  EXPECT_FALSE(parse_duration_ms("-5", 0).has_value());
  EXPECT_FALSE(parse_duration_ms("10s", 0).has_value());
  EXPECT_FALSE(parse_duration_ms("", 0).has_value());
}

TEST(Fs, PrivateDirRefusesSymlinkAndTightensMode) {
  std::string dir = temp_dir();
  std::string target = dir + "/real";
  ASSERT_TRUE(ensure_private_dir(target + "/a/b").ok());
  struct stat st {};
  ASSERT_EQ(::stat((target + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  ASSERT_TRUE(ensure_private_dir(target).ok());
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::symlink(target.c_str(), (dir + "/link").c_str()), 0);
  Status s = ensure_private_dir(dir + "/link");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("symlink"), std::string::npos);
  ASSERT_TRUE(append_file(dir + "/file", "x").ok());
  EXPECT_FALSE(ensure_private_dir(dir + "/file").ok());
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
