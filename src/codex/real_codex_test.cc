// run_turn() against the real Codex CLI (the project-local npm install under .deps/), pointed at
// the Responses API stand-in tests/lib/responses_stub.py. Skipped when either is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "codex/account_probe.h"
#include "codex/run_turn.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/process.h"
#include "sys/run.h"

namespace companion::codex {
namespace {

using ::testing::HasSubstr;

const std::string kSource = COMPANION_SOURCE_DIR;
const std::string kLauncher = kSource + "/.deps/npm/node_modules/.bin/codex";
const std::string kStub = kSource + "/tests/lib/responses_stub.py";

struct ProcInfo {
  pid_t pid = 0, ppid = 0;
  std::string comm, state;
};

std::vector<ProcInfo> all_processes() {
  std::vector<ProcInfo> out;
  auto listing = sys::run_command({{"/bin/sh", "-c", "ls /proc | grep -E '^[0-9]+$'"}});
  if (!listing) return out;
  std::istringstream in(listing->out);
  for (std::string entry; std::getline(in, entry);) {
    std::ifstream stat("/proc/" + entry + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    ProcInfo p;
    p.pid = std::stoi(entry);
    p.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    rest >> p.state >> p.ppid;
    out.push_back(p);
  }
  return out;
}

// Live descendants of this process whose command name starts with `name`.
std::vector<pid_t> descendants_named(const std::string& name) {
  auto procs = all_processes();
  std::set<pid_t> ours = {::getpid()};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& p : procs) {
      if (ours.count(p.ppid) && !ours.count(p.pid)) grew = ours.insert(p.pid).second;
    }
  }
  std::vector<pid_t> out;
  for (const auto& p : procs) {
    if (p.pid != ::getpid() && ours.count(p.pid) && p.comm.rfind(name, 0) == 0 && p.state != "Z") {
      out.push_back(p.pid);
    }
  }
  return out;
}

class Observer : public TurnObserver {
 public:
  void on_progress(const ProgressEvent& e) override { lines.push_back(e.line); }
  void on_ids(const std::string&, const std::string& turn_id) override {
    if (turn_id.empty() || !kill_codex) return;
    for (pid_t pid : descendants_named("codex")) ::kill(pid, SIGKILL);
  }
  std::vector<std::string> lines;
  bool kill_codex = false;
};

class RealCodexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!sys::path_exists(kLauncher) || !sys::path_exists(kStub)) return;
    dir = ::testing::TempDir() + "/real_codex_" + std::to_string(::getpid());
    (void)sys::ensure_private_dir(dir);
    dir = *sys::real_path(dir);
    std::string port_file = dir + "/port";
    sys::SpawnOptions stub;
    stub.argv = {"python3",        kStub, "--port-file",   port_file, "--default", "normal",
                 "--hang-limit-s", "30",  "--max-seconds", "300"};
    stub.new_process_group = true;
    stub.die_with_parent = true;
    auto pid = sys::spawn(stub);
    if (!pid) return;
    stub_pid = *pid;
    int64_t deadline = sys::monotonic_ms() + 10000;
    while (!sys::path_exists(port_file) && sys::monotonic_ms() < deadline) ::usleep(20000);
    auto port = sys::read_file(port_file);
    if (!port) return;
    std::string script = "import sys; sys.path.insert(0, '" + kSource +
                         "/tests/lib'); from codex_env import config_toml; "
                         "sys.stdout.write(config_toml(" +
                         std::to_string(std::stoi(*port)) + "))";
    auto config = sys::run_command({{"python3", "-c", script}});
    if (!config || !config->success()) return;
    std::string home = dir + "/codex-home";
    (void)sys::ensure_private_dir(home);
    (void)sys::write_file_atomic(home + "/config.toml", config->out);
    ::setenv("CODEX_HOME", home.c_str(), 1);
    ::setenv("RUST_LOG", "error", 1);
    ::setenv("NO_COLOR", "1", 1);
    for (const char* name : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY"}) {
      ::unsetenv(name);
    }
    ready = true;
  }

  static void TearDownTestSuite() {
    for (const char* name : {"CODEX_HOME", "RUST_LOG", "NO_COLOR"}) {
      ::unsetenv(name);
    }
    if (stub_pid > 0) {
      (void)sys::signal_group(stub_pid, SIGTERM);
      if (!sys::reap_within(stub_pid, 3000)) {
        (void)sys::signal_group(stub_pid, SIGKILL);
        (void)sys::reap_within(stub_pid, 3000);
      }
    }
  }

  void SetUp() override {
    if (!ready) GTEST_SKIP() << "the project-local Codex CLI or the Responses stand-in is missing";
    spec_.cwd = dir;
    spec_.codex = direct_codex_command(sys::default_env(), kLauncher, sys::Config{});
    limits_.stall_ms = 20000;
    limits_.deadline_ms = 60000;
  }

  TurnOutcome run() {
    int64_t start = sys::monotonic_ms();
    TurnOutcome o = run_turn(spec_, limits_, Connector::direct(), observer_);
    elapsed_ms_ = sys::monotonic_ms() - start;
    EXPECT_TRUE(descendants_named("codex").empty()) << "an app-server outlived run_turn";
    EXPECT_TRUE(o.app_server_pid > 0 && ::kill(o.app_server_pid, 0) != 0);
    return o;
  }

  static inline std::string dir;
  static inline pid_t stub_pid = -1;
  static inline bool ready = false;
  TurnSpec spec_;
  TurnLimits limits_;
  Observer observer_;
  int64_t elapsed_ms_ = 0;
};

TEST_F(RealCodexTest, TaskCompletes) {
  spec_.prompt = "Say hello. ECHO:real-codex-ok [[stub:normal]]";
  spec_.thread_name = "Codex Companion Task: say hello";
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "completed") << o.error_message;
  EXPECT_THAT(o.result.final_message, HasSubstr("real-codex-ok"));
  EXPECT_FALSE(o.result.thread_id.empty());
  EXPECT_FALSE(o.result.turn_id.empty());
}

TEST_F(RealCodexTest, HungModelStreamStallsAndIsInterrupted) {
  spec_.prompt = "Wait forever. [[stub:hang]]";
  limits_.stall_ms = 1500;
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "stalled");
  EXPECT_EQ(o.error_message, "No activity from Codex for 1.5 s");
  EXPECT_TRUE(o.interrupt_attempted);
  EXPECT_TRUE(o.interrupted);
  EXPECT_LT(elapsed_ms_, 10000);
}

TEST_F(RealCodexTest, ServerErrorFailsTheTurn) {
  spec_.prompt = "Fail please. [[stub:500]]";
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "turn-failed");
  EXPECT_FALSE(o.error_message.empty());
}

TEST_F(RealCodexTest, KilledAppServerEndsTheTurnAtOnce) {
  spec_.prompt = "Wait forever. [[stub:hang]]";
  observer_.kill_codex = true;
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "app-server-exited");
  EXPECT_THAT(o.error_message, HasSubstr("Codex app-server exited (signal 9) during the turn"));
  EXPECT_LT(elapsed_ms_, 5000);
}

TEST_F(RealCodexTest, ThroughTheNodeLauncherKillingTheNativeProcessEndsTheTurn) {
  spec_.codex = CodexCommand{kLauncher, {}, {}};  // keeps the Node launcher (codex_binary.h)
  spec_.prompt = "Wait forever. [[stub:hang]]";
  observer_.kill_codex = true;
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "app-server-exited");
  // The launcher re-raises its child's signal.
  EXPECT_THAT(o.error_message, HasSubstr("Codex app-server exited (signal 9) during the turn"));
  EXPECT_TRUE(descendants_named("node").empty());
  EXPECT_LT(elapsed_ms_, 5000);
}

TEST_F(RealCodexTest, ThroughTheNodeLauncherStallIsInterruptedAndBothProcessesGo) {
  spec_.codex = CodexCommand{kLauncher, {}, {}};
  spec_.prompt = "Wait forever. [[stub:hang]]";
  limits_.stall_ms = 1500;
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "stalled");
  EXPECT_TRUE(o.interrupted);
  EXPECT_TRUE(descendants_named("node").empty());
}

TEST_F(RealCodexTest, ReviewOfTheWorkingTreeCompletes) {
  std::string repo = dir + "/repo";
  auto setup = sys::run_command(
      {{"/bin/sh", "-c",
        "mkdir -p '" + repo + "' && cd '" + repo +
            "' && git init -q && "
            "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init && "
            "echo 'int main() { return 1; }' > main.c"}});
  ASSERT_TRUE(setup.ok() && setup->success()) << (setup.ok() ? setup->err_tail : "");
  spec_.cwd = repo;
  spec_.kind = JobKind::kReview;
  spec_.review_target = {{"type", "uncommittedChanges"}};
  TurnOutcome o = run();
  EXPECT_EQ(to_string(o.end_reason), "completed") << o.error_message;
  EXPECT_FALSE(o.result.review_text.empty());
}

TEST_F(RealCodexTest, ProbeAccount) {
  AccountProbe p = probe_account(spec_.codex, dir, 20000);
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(p.account.contains("requiresOpenaiAuth")) << p.account.dump();
  EXPECT_EQ(p.config["config"]["model_provider"], "mock") << p.config.dump().substr(0, 300);
}

}  // namespace
}  // namespace companion::codex
