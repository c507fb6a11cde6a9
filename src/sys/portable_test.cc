// The mechanisms chosen per platform (sys/platform.h), on whichever this build has: the Linux
// ones in the default preset, the ones macOS runs in the `portable` preset
// (COMPANION_PORTABLE_FALLBACKS). Each test states what must hold on both.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "sys/child.h"
#include "sys/clock.h"
#include "sys/file_watch.h"
#include "sys/fs.h"
#include "sys/platform.h"
#include "sys/process.h"
#include "sys/process_table.h"
#include "sys/run.h"
#include "sys/unix_socket.h"

namespace companion::sys {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/companion-portable-XXXXXX";
  return ::mkdtemp(tmpl);
}

// Waits up to `ms` for `done()`.
template <typename F>
bool wait_for(F done, int ms = 5000) {
  int64_t deadline = monotonic_ms() + ms;
  while (!done()) {
    if (monotonic_ms() > deadline) return false;
    ::usleep(2000);
  }
  return true;
}

bool gone(pid_t pid) {
  auto entry = process_entry(pid);
  return !entry || entry->zombie;
}

// The pid a helper wrote to `path`, once it is there.
pid_t read_pid_file(const std::string& path) {
  pid_t pid = 0;
  wait_for([&] {
    auto text = read_file(path, 64);
    if (!text || text->empty() || text->back() != '\n') return false;
    pid = static_cast<pid_t>(std::atoi(text->c_str()));
    return pid > 0;
  });
  return pid;
}

TEST(ProcessTable, DescribesThisProcess) {
  auto entry = process_entry(::getpid());
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->zombie);
  EXPECT_EQ(entry->ppid, ::getppid());
  EXPECT_EQ(entry->pgid, ::getpgrp());
  EXPECT_EQ(entry->sid, ::getsid(0));
  EXPECT_GT(entry->start_time, 0u);
  auto pids = list_pids();
  EXPECT_NE(std::find(pids.begin(), pids.end(), ::getpid()), pids.end());
  auto exe = process_executable(::getpid());
  ASSERT_TRUE(exe.has_value());
  EXPECT_EQ(*exe, *executable_path());
  auto args = process_arguments(::getpid(), 1);
  ASSERT_TRUE(args.has_value());
  ASSERT_EQ(args->size(), 1u);
  EXPECT_EQ(sys::basename_of((*args)[0]), sys::basename_of(*exe));
  EXPECT_FALSE(process_entry(0).has_value());
}

TEST(ProcessTable, ReadsAnotherProcessesArguments) {
  SpawnOptions opts;
  opts.argv = {"sleep", "30"};
  auto pid = spawn(opts);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  std::optional<std::vector<std::string>> args;
  // Between fork and exec the child still shows this program's arguments.
  EXPECT_TRUE(wait_for([&] {
    args = process_arguments(*pid, 5);
    return args && args->size() == 2 && (*args)[1] == "30";
  }));
  EXPECT_EQ(process_entry(*pid)->ppid, ::getpid());
  (void)::kill(*pid, SIGKILL);
  EXPECT_TRUE(reap_within(*pid, 5000).has_value());
}

// Without a subreaper (macOS, the portable build) an app-server's child that outlives it is
// reparented to init: end_descendants still finds it, in the session its dead parent led. With
// the Linux subreaper it is adopted and found as a child. Either way it is ended.
TEST(Descendants, OrphanOfADeadChildIsEndedWithOrWithoutSubreaper) {
  ASSERT_TRUE(become_subreaper().ok());
  std::string dir = temp_dir();
  SpawnOptions opts;
  opts.argv = {
      "sh", "-c",
      "sleep 300 & echo $! > " + dir + "/pid.part; mv " + dir + "/pid.part " + dir + "/pid"};
  opts.new_session = true;
  opts.die_with_parent = true;
  auto sh = spawn(opts);
  ASSERT_TRUE(sh.ok()) << sh.error().message;
  pid_t orphan = read_pid_file(dir + "/pid");
  ASSERT_GT(orphan, 0);
  ASSERT_TRUE(reap_within(*sh, 5000).has_value());  // its parent is gone
  ASSERT_FALSE(gone(orphan));
  auto found = live_descendants();
  EXPECT_NE(std::find(found.begin(), found.end(), orphan), found.end());
  EXPECT_GE(end_descendants(2000), 1);
  EXPECT_TRUE(wait_for([&] { return gone(orphan); }));
  if (!gone(orphan)) (void)::kill(orphan, SIGKILL);
}

// A descendant that counts as independent is spared, with what it started.
TEST(Descendants, IndependentChildIsSpared) {
  SpawnOptions opts;
  opts.argv = {"sleep", "300"};
  opts.new_session = true;
  auto child = spawn(opts);
  ASSERT_TRUE(child.ok());
  pid_t spared = *child;
  EXPECT_EQ(end_descendants(500, [&](pid_t pid) { return pid == spared; }), 0);
  EXPECT_FALSE(gone(spared));
  (void)::kill(spared, SIGKILL);
  EXPECT_TRUE(reap_within(spared, 5000).has_value());
}

// A child started with die_with_parent dies when its parent is SIGKILLed: PR_SET_PDEATHSIG on
// Linux, the guardian elsewhere (sys/parent_watch.h).
TEST(DieWithParent, ChildEndsWhenItsParentIsKilled) {
  std::string dir = temp_dir();
  pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    SpawnOptions opts;
    opts.argv = {"sleep", "300"};
    opts.new_session = true;
    opts.die_with_parent = true;
    auto child = spawn(opts);
    if (child.ok()) (void)write_file_atomic(dir + "/pid", std::to_string(*child) + "\n");
    ::pause();
    ::_exit(0);
  }
  pid_t child = read_pid_file(dir + "/pid");
  ASSERT_GT(child, 0);
  EXPECT_FALSE(gone(child));
  ASSERT_EQ(::kill(parent, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(parent, &status, 0), parent);
  EXPECT_TRUE(wait_for([&] { return gone(child); }));
  if (!gone(child)) (void)::kill(child, SIGKILL);
}

// Reaping a die_with_parent child lets its guardian go too: nothing of it is left behind.
TEST(DieWithParent, ReapingTheChildLeavesNoGuardian) {
  SpawnOptions opts;
  opts.argv = {"sh", "-c", "exit 0"};
  opts.die_with_parent = true;
  auto child = spawn(opts);
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(reap_within(*child, 5000).has_value());
  EXPECT_TRUE(wait_for([] { return live_descendants().empty(); }));
}

TEST(ExitFd, ReadableWhenTheChildExitsOrAbsentWhereThereIsNone) {
  SpawnOptions opts;
  opts.argv = {"sh", "-c", "exit 0"};
  auto child = spawn(opts);
  ASSERT_TRUE(child.ok());
  auto fd = open_exit_fd(*child);
  if (kLinuxMechanisms || fd.ok()) {
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    struct pollfd p {
      fd->get(), POLLIN, 0
    };
    EXPECT_EQ(::poll(&p, 1, 5000), 1);
  } else {
    EXPECT_NE(fd.error().message.find("not supported"), std::string::npos);
  }
  EXPECT_TRUE(reap_within(*child, 5000).has_value());
}

TEST(FileWatch, SeesAnAppendOrPollsAtItsBound) {
  std::string path = temp_dir() + "/log";
  ASSERT_TRUE(append_file(path, "a").ok());
  FileWatch watch = FileWatch::open(path);
  EXPECT_EQ(watch.polling(), !kLinuxMechanisms && !kKqueueWatches);
  ASSERT_TRUE(append_file(path, "b").ok());
  int64_t started = monotonic_ms();
  bool changed = watch.wait(300);
  if (watch.polling()) {
    EXPECT_FALSE(changed);
    EXPECT_GE(monotonic_ms() - started, 250);
  } else {
    EXPECT_TRUE(changed);
  }
}

TEST(Pipe, BothEndsAreCloseOnExec) {
  auto pipe = make_pipe();
  ASSERT_TRUE(pipe.ok());
  EXPECT_TRUE(::fcntl(pipe->first.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(pipe->second.get(), F_GETFD) & FD_CLOEXEC);
}

TEST(UnixSocket, AcceptedAndConnectedSocketsAreCloseOnExecAndNonBlocking) {
  std::string dir = temp_dir();
  auto listener = listen_unix(dir + "/s");
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  auto client = connect_unix(dir + "/s");
  ASSERT_TRUE(client.ok());
  auto server = accept_unix(listener->get());
  ASSERT_TRUE(server.ok() && server->valid());
  for (int fd : {listener->get(), client->get(), server->get()}) {
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
  }
  EXPECT_EQ(*peer_uid(server->get()), ::geteuid());
  send_now(client->get(), "x");
}

// A socket directory whose socket could not be bound (macOS allows 103 bytes; a per-user TMPDIR
// is long) is refused in one line, before anything is created.
TEST(UnixSocket, SocketDirectoryTooDeepIsRefusedBeforeCreating) {
  std::string dir = temp_dir();
  std::string deep = dir + "/" + std::string(max_socket_path(), 'd').substr(0, 200);
  ASSERT_TRUE(ensure_private_dir(deep).ok());
  auto made = make_socket_dir(deep, "cxc-", 11);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message.find("choose a shorter directory"), std::string::npos);
  EXPECT_EQ(made.error().message.find('\n'), std::string::npos);
  EXPECT_TRUE(list_dir(deep)->empty());
  auto fits = make_socket_dir(dir, "cxc-", 11);
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_TRUE(is_directory(*fits));
}

TEST(Paths, WithinComparesRealPaths) {
  std::string dir = *real_path(temp_dir());
  ASSERT_TRUE(ensure_private_dir(dir + "/root/sub").ok());
  EXPECT_TRUE(path_is_within(dir + "/root/sub", dir + "/root"));
  EXPECT_FALSE(path_is_within(dir + "/root", dir + "/root"));
  EXPECT_FALSE(path_is_within(dir + "/rootless", dir + "/root"));
  EXPECT_FALSE(path_is_within("/", dir));
  // A link to the directory resolves to the same real path.
  ASSERT_EQ(::symlink((dir + "/root").c_str(), (dir + "/link").c_str()), 0);
  EXPECT_EQ(*real_path(dir + "/link/sub"), dir + "/root/sub");
}

}  // namespace
}  // namespace companion::sys
