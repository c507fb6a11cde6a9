#include "rpc/child_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "rpc/connection.h"
#include "rpc/event.h"
#include "rpc/test_support.h"
#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::rpc {
namespace {

using test_support::run_coroutine;
using Json = nlohmann::json;
using Ex = asio::any_io_executor;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

bool pid_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// Alive and not a zombie (a killed orphan stays a zombie until init reaps it).
bool pid_running(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Waits (bounded) for a file to hold a pid written by a test child.
pid_t read_pid_file(const std::string& path) {
  int64_t deadline = sys::monotonic_ms() + 5000;
  while (sys::monotonic_ms() < deadline) {
    auto text = sys::read_file(path);
    if (text && !text->empty() && text->back() == '\n') return std::stoi(*text);
    ::usleep(10000);
  }
  return -1;
}

ChildSpec shell(const std::string& script) {
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.display_name = "Test child";
  spec.stop_step = milliseconds(300);
  return spec;
}

TEST(TailBufferTest, KeepsTheNewestBytes) {
  TailBuffer tail(8);
  tail.append("abc");
  tail.append("defgh");
  EXPECT_EQ(tail.text(), "abcdefgh");
  tail.append("ij");
  EXPECT_EQ(tail.text(), "cdefghij");
  tail.append("0123456789");
  EXPECT_EQ(tail.text(), "23456789");
}

TEST(SummarizeStderrTest, JoinsTheLastLines) {
  EXPECT_EQ(summarize_stderr("first\n\n  second  \r\n\x1b[31mthird\x1b[0m\n"),
            "first | second | third");
  EXPECT_EQ(summarize_stderr("aaaa\nbbbb\ncccc\n", 12), "bbbb | cccc");
  EXPECT_EQ(summarize_stderr(std::string(50, 'x'), 10), "...xxxxxxx");
  EXPECT_EQ(summarize_stderr("\n\n"), "");
  EXPECT_EQ(summarize_stderr("WARNING: noise\nreal\n", 100, {"WARNING: no"}), "real");
}

TEST(ChildTransportTest, MissingProgramIsAnError) {
  asio::io_context io;
  ChildSpec spec;
  spec.argv = {"/nonexistent/codex", "app-server"};
  auto t = ChildTransport::start(io.get_executor(), spec);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error().message, HasSubstr("/nonexistent/codex"));
}

// Each test runs with the exit descriptor (false) and with the polling fallback (true).
class ExitWatchTest : public ::testing::TestWithParam<bool> {};

TEST_P(ExitWatchTest, ExitNamesTheCodeAndStderrTail) {
  bool poll = GetParam();
  auto [reply, info] =
      run_coroutine([poll](Ex ex) -> asio::awaitable<std::tuple<Reply, CloseInfo>> {
        ChildSpec spec = shell("read line; echo 'fatal: no auth' >&2; exit 3");
        spec.poll_exit = poll;
        auto t = ChildTransport::start(ex, spec);
        EXPECT_TRUE(t.ok());
        Connection c(ex, std::move(*t));
        c.start();
        Reply r = co_await c.request("initialize", Json::object());
        CloseInfo i = c.close_info();
        co_await c.shutdown();
        co_return std::make_tuple(r, i);
      });
  EXPECT_EQ(info.reason, "Test child exited (exit code 3)");
  EXPECT_EQ(info.detail, "fatal: no auth");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->message,
            "Test child exited (exit code 3) while waiting for the answer to initialize: "
            "fatal: no auth");
}

TEST(ChildTransportTest, EchoesOverStdioAndStopsOnShutdown) {
  std::string tmp = ::testing::TempDir() + "/child_echo_pid_" + std::to_string(::getpid());
  (void)sys::remove_file(tmp);
  auto [notes, status] = run_coroutine([&](Ex ex) -> asio::awaitable<std::tuple<int, int>> {
    // Echo each request line back as a notification, and ignore the end of stdin.
    std::string script =
        "echo $$ > " + tmp +
        "; trap '' TERM;"
        " while read -r line; do echo '{\"method\":\"echo\",\"params\":{}}'; done; sleep 30";
    auto t = ChildTransport::start(ex, shell(script));
    EXPECT_TRUE(t.ok());
    auto* child = t->get();
    Connection c(ex, std::move(*t));
    int count = 0;
    Event got(ex);
    c.set_notification_handler([&](const std::string&, const Json&) {
      ++count;
      got.set();
    });
    c.start();
    c.notify("ping", Json::object());
    co_await got.wait();
    int64_t start = sys::monotonic_ms();
    co_await c.shutdown();
    int64_t took = sys::monotonic_ms() - start;
    EXPECT_GE(took, 500);   // stdin closed, SIGTERM ignored: both steps waited
    EXPECT_LT(took, 2500);  // then SIGKILL ended it
    co_return std::make_tuple(count, child->exit_status().value_or(-1));
  });
  EXPECT_EQ(notes, 1);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  pid_t pid = read_pid_file(tmp);
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(pid_alive(pid));
}

TEST_P(ExitWatchTest, LeaderDeathEndsTheStreamAndTheGroupIsKilled) {
  bool poll = GetParam();
  std::string tmp = ::testing::TempDir() + "/child_grandchild_pid_" + std::to_string(::getpid());
  (void)sys::remove_file(tmp);
  auto info = run_coroutine(
      [&, poll](Ex ex) -> asio::awaitable<CloseInfo> {
        // A grandchild keeps stdout open after the leader is killed, as the Node launcher's native
        // child would.
        ChildSpec spec = shell("sleep 30 & echo $! > " + tmp + "; kill -9 $$");
        spec.poll_exit = poll;
        auto t = ChildTransport::start(ex, spec);
        EXPECT_TRUE(t.ok());
        Connection c(ex, std::move(*t));
        c.start();
        co_await c.wait_closed();
        CloseInfo i = c.close_info();
        co_await c.shutdown();
        co_return i;
      },
      milliseconds(5000));
  EXPECT_EQ(info.reason, "Test child exited (signal 9)");
  pid_t grandchild = read_pid_file(tmp);
  ASSERT_GT(grandchild, 0);
  int64_t deadline = sys::monotonic_ms() + 2000;
  while (pid_running(grandchild) && sys::monotonic_ms() < deadline) ::usleep(10000);
  EXPECT_FALSE(pid_running(grandchild));
}

INSTANTIATE_TEST_SUITE_P(ExitDescriptorAndPolling, ExitWatchTest, ::testing::Bool());

TEST(ChildTransportTest, DestructorReapsWithoutShutdown) {
  pid_t pid = -1;
  {
    asio::io_context io;
    auto t = ChildTransport::start(io.get_executor(), shell("sleep 30"));
    ASSERT_TRUE(t.ok());
    pid = (*t)->pid();
    EXPECT_TRUE(pid_alive(pid));
  }
  EXPECT_FALSE(pid_alive(pid));  // reaped, not a zombie
}

}  // namespace
}  // namespace companion::rpc
