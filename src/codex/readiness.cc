#include "codex/readiness.h"

#include <optional>

#include "codex/auth_status.h"
#include "sys/json_read.h"
#include "sys/run.h"
#include "sys/text.h"

namespace companion::codex {

nlohmann::json check(bool available, const std::string& detail) {
  return {{"available", available}, {"detail", detail}};
}

namespace {

nlohmann::json codex_available(const std::string& exe, const std::string& version_text) {
  nlohmann::json out = check(true, version_text + "; advanced runtime available");
  out["path"] = exe;
  out["version"] = version_text;
  return out;
}

// `codex --version` and `codex app-server --help`: the binary runs and speaks app-server. Run
// only when no app-server answered with its version: these say what is missing.
nlohmann::json run_codex_checks(sys::Env& env, const std::string& exe,
                                std::vector<std::string>& next_steps) {
  auto version = env.run_command({.argv = {exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) {
    std::string why = version ? version->describe() + ": " + sys::first_line(version->err_tail)
                              : version.error().message;
    next_steps.push_back("Reinstall the Codex CLI: `npm install -g @openai/codex`.");
    return check(false, exe + " --version failed (" + why + ")");
  }
  std::string version_text = sys::first_line(version->out);
  auto help =
      env.run_command({.argv = {exe, "app-server", "--help"}, .timeout_ms = kCheckTimeoutMs});
  if (!help || !help->success()) {
    next_steps.push_back(
        "Upgrade the Codex CLI to a version with `codex app-server`: "
        "`npm install -g @openai/codex@latest`.");
    return check(false, version_text + "; advanced runtime unavailable: " + exe +
                            " has no working `app-server` command");
  }
  return codex_available(exe, version_text);
}

}  // namespace

nlohmann::json check_tool(sys::Env& env, const sys::Config& config, const std::string& tool,
                          const std::string& missing) {
  auto exe = env.find_executable(tool, config.path);
  if (!exe) return check(false, missing);
  auto version = env.run_command({.argv = {*exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) return check(false, tool + " at " + *exe + " does not run");
  nlohmann::json out = check(true, sys::first_line(version->out));
  out["path"] = *exe;
  return out;
}

nlohmann::json check_npm(sys::Env& env, const sys::Config& config) {
  const char* missing = "not found (needed only to install or update the Codex CLI)";
  auto exe = env.find_executable("npm", config.path);
  if (!exe) return check(false, missing);
  constexpr std::string_view kScript = "/bin/npm-cli.js";
  auto script = env.real_path(*exe);
  if (script && script->size() > kScript.size() && script->ends_with(kScript)) {
    std::string root = script->substr(0, script->size() - kScript.size());
    auto text = env.read_file(root + "/package.json", 1024 * 1024, sys::Links::kRefuse);
    nlohmann::json package = text ? sys::parse_json(*text) : nlohmann::json();
    std::optional<std::string> version = sys::json_string(package, "version");
    if (sys::json_string(package, "name") == "npm" && version && is_plain_version(*version)) {
      nlohmann::json out = check(true, *version);
      out["path"] = *exe;
      return out;
    }
  }
  return check_tool(env, config, "npm", missing);
}

namespace {

nlohmann::json auth_from_probe(const AccountProbe& probe, std::vector<std::string>& next_steps) {
  nlohmann::json auth = auth_status(probe);
  if (!sys::json_bool(auth, "loggedIn").value_or(false)) {
    if (sys::json_bool(auth, "requiresOpenaiAuth").value_or(false)) {
      next_steps.push_back(
          "Sign in to Codex: run `!codex login` (where a browser cannot open: `!codex login "
          "--device-auth`, or `!codex login --with-api-key`).");
    } else {
      next_steps.push_back("Check that `codex app-server` starts in this workspace.");
    }
  }
  return auth;
}

}  // namespace

CodexReport check_codex_and_auth(sys::Env& env, const sys::Config& config,
                                 const AccountProber& probe_account,
                                 std::vector<std::string>& next_steps) {
  auto exe = env.find_executable(config.codex.value_or("codex"), config.path);
  if (!exe) {
    next_steps.push_back(
        "Install the Codex CLI: `npm install -g @openai/codex` (or set "
        "CODEX_COMPANION_CODEX to its path).");
    std::string detail = "not found (" + exe.error().message + ")";
    return {check(false, detail), auth_unavailable(detail), {}};
  }
  auto codex = resolve_codex(env, config);
  AccountProbe probe;
  if (codex) probe = probe_account(*codex);
  if (codex && probe.error.empty()) {
    if (auto version = cli_version(probe.initialize)) {
      return {codex_available(*exe, *version), auth_from_probe(probe, next_steps), probe};
    }
  }
  nlohmann::json checked = run_codex_checks(env, *exe, next_steps);
  if (!sys::json_bool(checked, "available").value_or(false)) {
    return {checked, auth_unavailable(sys::json_text(checked, "detail")), probe};
  }
  if (!codex) return {checked, auth_unavailable(codex.error().message), probe};
  return {checked, auth_from_probe(probe, next_steps), probe};
}

bool is_ready(const CodexReport& report, bool review_gate_on,
              std::vector<std::string>& next_steps) {
  bool ready = sys::json_bool(report.codex, "available").value_or(false) &&
               sys::json_bool(report.auth, "loggedIn").value_or(false);
  if (ready && !review_gate_on) {
    next_steps.push_back(
        "Optional: `codex-companion setup --enable-review-gate` to have Codex "
        "review changes before a Claude Code session stops.");
  }
  return ready;
}

}  // namespace companion::codex
