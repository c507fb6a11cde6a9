#include "codex/readiness.h"

#include <gtest/gtest.h>

#include <map>

#include "sys/env.h"
#include "sys/json_read.h"

namespace companion::codex {
namespace {

using Json = nlohmann::json;
using Steps = std::vector<std::string>;

// Tools on a fake PATH: which names are found where, what each command line prints and how it
// exits, and the files npm's version is read from. Every command run is recorded.
class FakeTools : public sys::EnvWrapper {
 public:
  FakeTools() : EnvWrapper(sys::default_env()) {}

  std::map<std::string, std::string> found;    // name → path
  std::map<std::string, sys::RunResult> runs;  // "argv0 argv1 …" → result
  std::map<std::string, std::string> links;    // path → real path
  std::map<std::string, std::string> files;    // path → content
  std::vector<std::string> ran;

  Result<std::string> find_executable(const std::string& name,
                                      const std::optional<std::string>&) override {
    auto it = found.find(name);
    if (it == found.end()) return make_error("{} is not on PATH", name);
    return it->second;
  }
  Result<sys::RunResult> run_command(const sys::RunOptions& options) override {
    std::string line;
    for (const auto& arg : options.argv) line += (line.empty() ? "" : " ") + arg;
    ran.push_back(line);
    auto it = runs.find(line);
    if (it == runs.end()) return make_error("cannot start {}", line);
    return it->second;
  }
  Result<std::string> real_path(const std::string& path) override {
    auto it = links.find(path);
    return it == links.end() ? path : it->second;
  }
  Result<std::string> read_file(const std::string& path, size_t, sys::Links) override {
    auto it = files.find(path);
    if (it == files.end()) return make_error("no file {}", path);
    return it->second;
  }
};

sys::RunResult exited(int code, const std::string& out) {
  sys::RunResult r;
  r.wait_status = code << 8;
  r.out = out;
  return r;
}

AccountProbe answering(Json account) {
  AccountProbe p;
  p.initialize = {
      {"userAgent",
       "codex-companion/0.169.0 (Debian 12.0.0; x86_64) xterm (codex-companion; 0.1.0)"}};
  p.account = std::move(account);
  p.config = {{"config", {{"model_provider", "openai"}}}};
  return p;
}

const Json kSignedIn = {{"account", {{"type", "chatgpt"}, {"email", "dev@example.com"}}},
                        {"requiresOpenaiAuth", true}};

class ReadinessTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.found["codex"] = "/bin/codex"; }
  CodexReport check(const AccountProbe& answer) {
    auto probe = [&](const CodexCommand& codex) {
      probed_.push_back(codex.program);
      return answer;
    };
    return check_codex_and_auth(env_, config_, probe, steps_);
  }
  FakeTools env_;
  sys::Config config_;
  Steps steps_;
  std::vector<std::string> probed_;
};

TEST_F(ReadinessTest, AnsweringAppServerGivesTheVersionWithoutRunningTheCli) {
  CodexReport r = check(answering(kSignedIn));
  EXPECT_EQ(probed_, std::vector<std::string>{"/bin/codex"});
  EXPECT_TRUE(env_.ran.empty());  // no `codex --version`: initialize named it
  EXPECT_EQ(r.codex, (Json{{"available", true},
                           {"detail", "codex-cli 0.169.0; advanced runtime available"},
                           {"path", "/bin/codex"},
                           {"version", "codex-cli 0.169.0"}}));
  EXPECT_EQ(r.auth["loggedIn"], true);
  EXPECT_TRUE(steps_.empty());
  EXPECT_TRUE(is_ready(r, /*review_gate_on=*/true, steps_));
  EXPECT_TRUE(steps_.empty());
  EXPECT_TRUE(is_ready(r, /*review_gate_on=*/false, steps_));
  ASSERT_EQ(steps_.size(), 1u);
  EXPECT_EQ(steps_[0].rfind("Optional: `codex-companion setup --enable-review-gate`", 0), 0u);
}

TEST_F(ReadinessTest, MissingCodexSaysHowToInstallItAndAsksNothing) {
  env_.found.clear();
  CodexReport r = check(answering(kSignedIn));
  EXPECT_TRUE(probed_.empty());
  EXPECT_EQ(r.codex["available"], false);
  EXPECT_EQ(r.codex["detail"], "not found (codex is not on PATH)");
  EXPECT_EQ(r.auth["available"], false);
  EXPECT_EQ(r.auth["detail"], r.codex["detail"]);
  ASSERT_EQ(steps_.size(), 1u);
  EXPECT_EQ(steps_[0].rfind("Install the Codex CLI: `npm install -g @openai/codex`", 0), 0u);
  EXPECT_FALSE(is_ready(r, false, steps_));
  EXPECT_EQ(steps_.size(), 1u);  // nothing optional while not ready
}

TEST_F(ReadinessTest, CodexWithoutAppServerSaysToUpgrade) {
  AccountProbe failed;
  failed.error = "app-server exited";
  env_.runs["/bin/codex --version"] = exited(0, "codex-cli 0.1.0\n");
  env_.runs["/bin/codex app-server --help"] = exited(2, "");
  CodexReport r = check(failed);
  EXPECT_EQ(env_.ran,
            (std::vector<std::string>{"/bin/codex --version", "/bin/codex app-server --help"}));
  EXPECT_EQ(r.codex["available"], false);
  EXPECT_EQ(r.codex["detail"],
            "codex-cli 0.1.0; advanced runtime unavailable: /bin/codex has no working "
            "`app-server` command");
  EXPECT_EQ(r.auth["available"], false);
  ASSERT_EQ(steps_.size(), 1u);
  EXPECT_EQ(steps_[0].rfind("Upgrade the Codex CLI", 0), 0u);
}

TEST_F(ReadinessTest, CodexThatDoesNotRunSaysToReinstall) {
  AccountProbe failed;
  failed.error = "app-server exited";
  env_.runs["/bin/codex --version"] = exited(126, "");
  CodexReport r = check(failed);
  EXPECT_EQ(r.codex["available"], false);
  EXPECT_NE(sys::json_text(r.codex, "detail").find("/bin/codex --version failed (exit code 126"),
            std::string::npos)
      << r.codex.dump();
  ASSERT_EQ(steps_.size(), 1u);
  EXPECT_EQ(steps_[0].rfind("Reinstall the Codex CLI", 0), 0u);
}

TEST_F(ReadinessTest, ProbeWithoutAVersionFallsBackToTheCliAndKeepsItsAuth) {
  AccountProbe no_version = answering(kSignedIn);
  no_version.initialize = Json::object();
  env_.runs["/bin/codex --version"] = exited(0, "codex-cli 0.169.0\n");
  env_.runs["/bin/codex app-server --help"] = exited(0, "usage");
  CodexReport r = check(no_version);
  EXPECT_EQ(r.codex["detail"], "codex-cli 0.169.0; advanced runtime available");
  EXPECT_EQ(r.auth["loggedIn"], true);
  EXPECT_TRUE(is_ready(r, true, steps_));
}

TEST_F(ReadinessTest, SignedOutAccountAsksToSignIn) {
  CodexReport r = check(answering({{"account", nullptr}, {"requiresOpenaiAuth", true}}));
  EXPECT_EQ(r.codex["available"], true);
  EXPECT_EQ(r.auth["loggedIn"], false);
  ASSERT_EQ(steps_.size(), 1u);
  EXPECT_EQ(steps_[0].rfind("Sign in to Codex: run `!codex login`", 0), 0u);
  EXPECT_FALSE(is_ready(r, false, steps_));
}

TEST(ReadinessToolTest, NpmVersionIsReadFromItsPackageWithoutStartingNode) {
  FakeTools env;
  env.found["npm"] = "/usr/bin/npm";
  env.links["/usr/bin/npm"] = "/usr/lib/node_modules/npm/bin/npm-cli.js";
  env.files["/usr/lib/node_modules/npm/package.json"] = R"({"name": "npm", "version": "10.9.2"})";
  EXPECT_EQ(check_npm(env, sys::Config{}),
            (Json{{"available", true}, {"detail", "10.9.2"}, {"path", "/usr/bin/npm"}}));
  EXPECT_TRUE(env.ran.empty());
  // Another layout (or a package that is not npm's): `npm --version` says.
  env.files["/usr/lib/node_modules/npm/package.json"] = R"({"name": "evil", "version": "1.0.0"})";
  env.runs["/usr/bin/npm --version"] = exited(0, "10.9.3\n");
  EXPECT_EQ(check_npm(env, sys::Config{})["detail"], "10.9.3");
  EXPECT_EQ(env.ran, std::vector<std::string>{"/usr/bin/npm --version"});
}

TEST(ReadinessToolTest, ToolMissingOrNotRunningIsUnavailable) {
  FakeTools env;
  EXPECT_EQ(check_tool(env, sys::Config{}, "node", "not found"),
            (Json{{"available", false}, {"detail", "not found"}}));
  env.found["node"] = "/usr/bin/node";
  env.runs["/usr/bin/node --version"] = exited(1, "");
  EXPECT_EQ(check_tool(env, sys::Config{}, "node", "not found")["detail"],
            "node at /usr/bin/node does not run");
  env.runs["/usr/bin/node --version"] = exited(0, "v20.19.2\n");
  EXPECT_EQ(check_tool(env, sys::Config{}, "node", "not found"),
            (Json{{"available", true}, {"detail", "v20.19.2"}, {"path", "/usr/bin/node"}}));
}

}  // namespace
}  // namespace companion::codex
