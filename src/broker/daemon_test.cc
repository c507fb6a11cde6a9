// The broker daemon in this process, with turns run through it by run_turn_async() in the same
// event loop, against tests/fixtures/fake_app_server.py (mode "multi").
#include "broker/daemon.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <fstream>

#include "codex/run_turn_async.h"
#include "rpc/event.h"
#include "sys/clock.h"
#include "sys/fake_env.h"
#include "sys/fs.h"

namespace companion::broker {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a && b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator&&;
using codex::Connector;
using codex::TurnOutcome;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using Millis = std::chrono::milliseconds;

const std::string kFake = std::string(COMPANION_SOURCE_DIR) + "/tests/fixtures/fake_app_server.py";

class Observer : public codex::TurnObserver {
 public:
  void on_progress(const codex::ProgressEvent& event) override { lines.push_back(event.line); }
  void on_ids(const std::string&, const std::string& turn_id) override {
    if (!turn_id.empty() && on_turn) on_turn();
  }
  std::vector<std::string> lines;
  std::function<void()> on_turn;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/daemon_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(sys::ensure_private_dir(dir_).ok());
    log_ = dir_ + "/fake.log";
    (void)sys::remove_file(log_);
    ::setenv("FAKE_APP_SERVER_LOG", log_.c_str(), 1);
    ::setenv("FAKE_APP_SERVER_MODE", "multi", 1);
    ::setenv("FAKE_APP_SERVER_STEP_MS", "30", 1);
    options_.codex = codex::CodexCommand{kFake, {}, {}};
    options_.socket_path = dir_ + "/b/broker.sock";
    options_.pid_file = dir_ + "/b/broker.pid";
    options_.cwd = dir_;
    options_.stop_step = Millis(500);
    spec_.cwd = dir_;
    spec_.codex = options_.codex;
    limits_.stall_ms = 10000;
    limits_.deadline_ms = 20000;
  }

  std::string endpoint() const { return "unix:" + options_.socket_path; }

  // Starts a daemon, runs `body(daemon)` next to it, stops it; returns the daemon's exit code.
  template <class Body>
  int with_daemon(Body body) {
    asio::io_context io;
    Daemon daemon(io.get_executor(), sys::default_env(), options_);
    int code = -1;
    bool finished = false;
    auto main = [&]() -> asio::awaitable<void> {
      Status started = co_await daemon.start();
      EXPECT_TRUE(started.ok()) << started.error().message;
      if (!started.ok()) co_return;
      app_server_pid_ = daemon.app_server_pid();
      auto serve = [&]() -> asio::awaitable<void> { code = co_await daemon.run(); };
      auto drive = [&]() -> asio::awaitable<void> {
        co_await body(daemon);
        daemon.request_stop("the test ended");
      };
      co_await (serve() && drive());
      finished = true;
    };
    asio::co_spawn(io, main(), [&](const std::exception_ptr& e) {
      if (e) std::rethrow_exception(e);
      io.stop();
    });
    io.run_for(std::chrono::seconds(30));
    EXPECT_TRUE(finished) << "the daemon test did not finish in time";
    EXPECT_FALSE(sys::path_exists(options_.socket_path));
    EXPECT_FALSE(sys::path_exists(options_.pid_file));
    return code;
  }

  asio::awaitable<TurnOutcome> turn(std::string prompt, Observer& observer, Connector connector,
                                    rpc::Event* stop = nullptr,
                                    std::optional<codex::TurnLimits> limits = std::nullopt) {
    codex::TurnSpec spec = spec_;
    spec.prompt = std::move(prompt);
    co_return co_await codex::run_turn_async(spec, limits.value_or(limits_), std::move(connector),
                                             observer, stop);
  }

  int fake_starts() {
    std::ifstream in(log_);
    int starts = 0;
    for (std::string line; std::getline(in, line);) {
      starts += Json::parse(line).value("event", "") == "start";
    }
    return starts;
  }

  std::string dir_, log_;
  DaemonOptions options_;
  codex::TurnSpec spec_;
  codex::TurnLimits limits_;
  pid_t app_server_pid_ = -1;
};

TEST_F(DaemonTest, TwoTurnsAtOnceThroughOneBrokerBothComplete) {
  TurnOutcome a, b;
  Observer oa, ob;
  int code = with_daemon([&](Daemon&) -> asio::awaitable<void> {
    auto [ra, rb] =
        co_await (turn("alpha [[fake:steps:5]]", oa, Connector::broker(endpoint(), false)) &&
                  turn("beta [[fake:steps:5]]", ob, Connector::broker(endpoint(), false)));
    a = std::move(ra);
    b = std::move(rb);
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(to_string(a.end_reason), "completed") << a.error_message;
  EXPECT_EQ(to_string(b.end_reason), "completed") << b.error_message;
  EXPECT_EQ(a.result.final_message, "ECHO: alpha [[fake:steps:5]]");
  EXPECT_EQ(b.result.final_message, "ECHO: beta [[fake:steps:5]]");
  EXPECT_NE(a.result.thread_id, b.result.thread_id);
  EXPECT_EQ(a.runtime, "shared");
  EXPECT_EQ(a.app_server_pid, -1);
  EXPECT_EQ(fake_starts(), 1);
}

TEST_F(DaemonTest, ApprovalAskedThroughTheBrokerIsDeclinedByTheClient) {
  TurnOutcome a;
  Observer oa;
  with_daemon([&](Daemon&) -> asio::awaitable<void> {
    a = co_await turn("[[fake:approval]]", oa, Connector::broker(endpoint(), false));
  });
  EXPECT_EQ(to_string(a.end_reason), "completed") << a.error_message;
  EXPECT_EQ(a.result.final_message, "approval answer: decline");
  EXPECT_THAT(oa.lines, ::testing::Contains("Declined command approval: rm -rf build."));
}

TEST_F(DaemonTest, BrokerStoppingMidTurnEndsTheTurnBrokerLost) {
  TurnOutcome a;
  Observer oa;
  int64_t stopped_at = 0;
  int code = with_daemon([&](Daemon& daemon) -> asio::awaitable<void> {
    oa.on_turn = [&] {
      stopped_at = sys::monotonic_ms();
      daemon.request_stop("the broker was stopped (SIGTERM)");
    };
    a = co_await turn("[[fake:hang]]", oa, Connector::broker(endpoint(), true));
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(to_string(a.end_reason), "broker-lost");
  EXPECT_THAT(a.error_message,
              HasSubstr("the shared Codex broker shut down during the turn: the broker was "
                        "stopped (SIGTERM)"));
  EXPECT_EQ(a.runtime, "shared");  // no silent restart elsewhere once the turn was requested
  EXPECT_EQ(fake_starts(), 1);
}

TEST_F(DaemonTest, AppServerExitMidTurnEndsTheTurnWithTheReasonWithinTwoSeconds) {
  TurnOutcome a;
  Observer oa;
  int64_t killed_at = 0, ended_at = 0;
  int code = with_daemon([&](Daemon&) -> asio::awaitable<void> {
    oa.on_turn = [&] {
      killed_at = sys::monotonic_ms();
      ::kill(app_server_pid_, SIGKILL);
    };
    a = co_await turn("[[fake:hang]]", oa, Connector::broker(endpoint(), true));
    ended_at = sys::monotonic_ms();
  });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(to_string(a.end_reason), "app-server-exited");
  EXPECT_THAT(a.error_message, HasSubstr("Codex app-server exited (signal 9)"));
  EXPECT_LT(ended_at - killed_at, 2000);
}

TEST_F(DaemonTest, StopSourceCancelsATurnOnTheBroker) {
  TurnOutcome a;
  Observer oa;
  with_daemon([&](Daemon&) -> asio::awaitable<void> {
    rpc::Event stop(co_await asio::this_coro::executor);
    oa.on_turn = [&] { stop.set(); };
    a = co_await turn("[[fake:hang]]", oa, Connector::broker(endpoint(), false), &stop);
  });
  EXPECT_EQ(to_string(a.end_reason), "cancelled");
  EXPECT_TRUE(a.interrupted);
}

// Regression: through a broker, every byte used to count as activity of the turn, so the
// thread-less notifications the broker sends every client (other jobs' rate limits) kept a hung
// turn from ever stalling while other turns ran.
TEST_F(DaemonTest, ThreadlessTrafficOfOtherTurnsDoesNotHideAStall) {
  TurnOutcome hung, busy;
  Observer oh, ob;
  int64_t hung_ended = 0, busy_ended = 0;
  codex::TurnLimits patient = limits_;
  limits_.stall_ms = 600;
  with_daemon([&](Daemon&) -> asio::awaitable<void> {
    auto stalls = [&]() -> asio::awaitable<void> {
      hung = co_await turn("[[fake:hang]]", oh, Connector::broker(endpoint(), false));
      hung_ended = sys::monotonic_ms();
    };
    auto ticks = [&]() -> asio::awaitable<void> {
      // 60 thread-less notifications 30 ms apart: 1.8 s of traffic, never 600 ms of silence.
      busy = co_await turn("[[fake:ticks]] [[fake:steps:60]]", ob,
                           Connector::broker(endpoint(), false), nullptr, patient);
      busy_ended = sys::monotonic_ms();
    };
    co_await (stalls() && ticks());
  });
  EXPECT_EQ(to_string(hung.end_reason), "stalled");
  EXPECT_EQ(to_string(busy.end_reason), "completed") << busy.error_message;
  EXPECT_LT(hung_ended, busy_ended);
}

TEST_F(DaemonTest, UnreachableBrokerFallsBackToADirectAppServer) {
  TurnOutcome direct, strict;
  Observer od, os;
  with_daemon([&](Daemon&) -> asio::awaitable<void> {
    std::string nowhere = "unix:" + dir_ + "/nobody.sock";
    direct = co_await turn("plain", od, Connector::broker(nowhere, true));
    strict = co_await turn("plain", os, Connector::broker(nowhere, false));
  });
  EXPECT_EQ(to_string(direct.end_reason), "completed") << direct.error_message;
  EXPECT_EQ(direct.runtime, "direct");
  EXPECT_THAT(od.lines, ::testing::Contains(HasSubstr("using a direct app-server")));
  EXPECT_EQ(to_string(strict.end_reason), "broker-lost");
  EXPECT_THAT(strict.error_message, HasSubstr("cannot reach the shared Codex broker"));
}

TEST_F(DaemonTest, LiveSocketIsNotTakenOver) {
  asio::io_context io;
  Daemon first(io.get_executor(), sys::default_env(), options_);
  Daemon second(io.get_executor(), sys::default_env(), options_);
  Status a, b;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        a = co_await first.start();
        b = co_await second.start();
        first.request_stop("done");
        co_await first.run();
      },
      [&](const std::exception_ptr&) { io.stop(); });
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr("another broker already listens on"));
  EXPECT_EQ(fake_starts(), 1);  // the second never started an app-server
}

// The daemon's files go through the Env it is given (not the process's default one): a write
// that fails there fails the start, and nothing is left behind.
TEST_F(DaemonTest, PidFileIsWrittenThroughTheGivenEnv) {
  using Op = sys::FaultInjectionEnv::Op;
  sys::FaultInjectionEnv env(sys::default_env());
  env.fail(Op::kWriteFile, 1, "broker.pid", "the disk is full (injected)");
  asio::io_context io;
  Daemon daemon(io.get_executor(), env, options_);
  Status started;
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        started = co_await daemon.start();
        finished = true;
      },
      [&](const std::exception_ptr&) { io.stop(); });
  io.run_for(std::chrono::seconds(20));
  ASSERT_TRUE(finished);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message, HasSubstr("the disk is full (injected)"));
  EXPECT_EQ(env.calls(Op::kWriteFile), 1);
  EXPECT_FALSE(sys::path_exists(options_.socket_path));
  EXPECT_FALSE(sys::path_exists(options_.pid_file));
  ASSERT_GT(daemon.app_server_pid(), 1);
  EXPECT_FALSE(sys::default_env().process_info(daemon.app_server_pid()).has_value());
}

}  // namespace
}  // namespace companion::broker
