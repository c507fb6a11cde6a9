// `setup [--enable-review-gate|--disable-review-gate] [--json]`: the readiness report.
#include <optional>
#include <system_error>
#include <thread>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/account_probe.h"
#include "codex/auth_status.h"
#include "codex/rate_limits.h"
#include "codex/run_turn.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/process.h"
#include "sys/run.h"
#include "sys/text.h"

namespace companion::cli {

namespace {

constexpr int kCheckTimeoutMs = 15000;

struct Readiness {
  nlohmann::json report;
  nlohmann::json next_steps = nlohmann::json::array();
};

nlohmann::json check(bool available, const std::string& detail) {
  return {{"available", available}, {"detail", detail}};
}

nlohmann::json codex_available(const std::string& exe, const std::string& version_text) {
  nlohmann::json out = check(true, version_text + "; advanced runtime available");
  out["path"] = exe;
  out["version"] = version_text;
  return out;
}

// `codex --version` and `codex app-server --help`: the binary runs and speaks app-server. Run
// only when no app-server answered with its version: these say what is missing.
nlohmann::json run_codex_checks(sys::Env& env, const std::string& exe, Readiness& r) {
  auto version = env.run_command({.argv = {exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) {
    std::string why = version ? version->describe() + ": " + sys::first_line(version->err_tail)
                              : version.error().message;
    r.next_steps.push_back("Reinstall the Codex CLI: `npm install -g @openai/codex`.");
    return check(false, exe + " --version failed (" + why + ")");
  }
  std::string version_text = sys::first_line(version->out);
  auto help =
      env.run_command({.argv = {exe, "app-server", "--help"}, .timeout_ms = kCheckTimeoutMs});
  if (!help || !help->success()) {
    r.next_steps.push_back(
        "Upgrade the Codex CLI to a version with `codex app-server`: "
        "`npm install -g @openai/codex@latest`.");
    return check(false, version_text + "; advanced runtime unavailable: " + exe +
                            " has no working `app-server` command");
  }
  return codex_available(exe, version_text);
}

// `<tool> --version`: the detail is its version, or why it cannot be used.
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

// npm's version without starting Node.js (`npm --version` takes 0.3-0.5 s): npm prints the
// version in its own package.json, and `npm` on PATH links to <package>/bin/npm-cli.js (npm's
// layout in its tarball, nodejs.org's and Debian's installs). Anything else runs `npm --version`.
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
    if (sys::json_string(package, "name") == "npm" && version &&
        codex::is_plain_version(*version)) {
      nlohmann::json out = check(true, *version);
      out["path"] = *exe;
      return out;
    }
  }
  return check_tool(env, config, "npm", missing);
}

nlohmann::json auth_from_probe(const codex::AccountProbe& probe, Readiness& r) {
  nlohmann::json auth = codex::auth_status(probe);
  if (!sys::json_bool(auth, "loggedIn").value_or(false)) {
    if (sys::json_bool(auth, "requiresOpenaiAuth").value_or(false)) {
      r.next_steps.push_back(
          "Sign in to Codex: run `!codex login` (where a browser cannot open: `!codex login "
          "--device-auth`, or `!codex login --with-api-key`).");
    } else {
      r.next_steps.push_back("Check that `codex app-server` starts in this workspace.");
    }
  }
  return auth;
}

struct CodexReport {
  nlohmann::json codex;
  nlohmann::json auth;
  codex::AccountProbe probe;  // for the usage limits
};

// setup's usageLimits: what account/rateLimits/read said ({source:"codex", windows}), else what
// the workspace's jobs last saw ({source:"jobs", windows, recordedAt}, or no windows), with why
// Codex did not say (`error`).
nlohmann::json usage_limits(const codex::AccountProbe& probe, store::JobStore& store) {
  const nlohmann::json& live = sys::json_object(probe.rate_limits, "rateLimits");
  if (!live.empty()) {
    return {{"source", "codex"}, {"windows", codex::rate_limit_windows(live)}, {"error", nullptr}};
  }
  nlohmann::json out = {
      {"source", "jobs"},
      {"windows", nlohmann::json::array()},
      {"error", probe.rate_limits_error.empty() ? nlohmann::json(nullptr)
                                                : nlohmann::json(probe.rate_limits_error)}};
  auto state = store.queue_state();
  if (state && state->rate_limits.is_object()) {
    out["windows"] = codex::rate_limit_windows(state->rate_limits);
    out["recordedAt"] = sys::iso_time(state->rate_limits_at);
  }
  return out;
}

std::string usage_limits_line(const nlohmann::json& usage) {
  std::string windows;
  const nlohmann::json* listed = sys::json_field(usage, "windows");
  for (const auto& w : listed && listed->is_array() ? *listed : nlohmann::json::array()) {
    const nlohmann::json* used = sys::json_field(w, "usedPercent");
    std::string part = fmt::format("{} {:g}% used", sys::json_text(w, "name"),
                                   used && used->is_number() ? used->get<double>() : 0.0);
    if (auto reset = sys::json_string(w, "resetsAt")) part += ", resets " + *reset;
    windows += (windows.empty() ? "" : "; ") + part;
  }
  std::string error = sys::json_text(usage, "error");
  if (windows.empty()) return "not known" + (error.empty() ? "" : " (Codex: " + error + ")");
  if (sys::json_text(usage, "source") == "jobs") {
    windows += " (as the last job saw them at " + sys::json_text(usage, "recordedAt") + ")";
  }
  return windows;
}

// The codex check and the auth object with at most one app-server start (or none, when a broker
// answers): the app-server is asked first, and its initialize answer carries the version
// (codex::cli_version). Only when it cannot answer, or names no version, are `codex --version`
// and `codex app-server --help` run to say what is missing. The detail reads "<version>; advanced
// runtime available" as the reference plugin's does (scripts match it).
CodexReport check_codex_and_auth(sys::Env& env, const sys::Config& config, Readiness& r,
                                 const std::string& cwd, const codex::Connector& connector) {
  auto exe = env.find_executable(config.codex.value_or("codex"), config.path);
  if (!exe) {
    r.next_steps.push_back(
        "Install the Codex CLI: `npm install -g @openai/codex` (or set "
        "CODEX_COMPANION_CODEX to its path).");
    std::string detail = "not found (" + exe.error().message + ")";
    return {check(false, detail), codex::auth_unavailable(detail), {}};
  }
  auto codex = codex::resolve_codex(env, config);
  codex::AccountProbe probe;
  if (codex) probe = codex::probe_account(*codex, cwd, kCheckTimeoutMs, connector);
  if (codex && probe.error.empty()) {
    if (auto version = codex::cli_version(probe.initialize)) {
      return {codex_available(*exe, *version), auth_from_probe(probe, r), probe};
    }
  }
  nlohmann::json checked = run_codex_checks(env, *exe, r);
  if (!sys::json_bool(checked, "available").value_or(false)) {
    return {checked, codex::auth_unavailable(sys::json_text(checked, "detail")), probe};
  }
  if (!codex) return {checked, codex::auth_unavailable(codex.error().message), probe};
  return {checked, auth_from_probe(probe, r), probe};
}

std::string render_setup(const nlohmann::json& r) {
  using sys::json_bool, sys::json_object, sys::json_text;
  std::string out = "# Codex Setup\n\n";
  out += std::string("Status: ") +
         (json_bool(r, "ready").value_or(false) ? "ready" : "needs attention") + "\n\n";
  out += "Checks:\n";
  for (const char* key : {"node", "npm", "codex", "auth"}) {
    out += std::string("- ") + key + ": " + json_text(json_object(r, key), "detail") + "\n";
  }
  out += "- usage limits: " + usage_limits_line(json_object(r, "usageLimits")) + "\n";
  const nlohmann::json& runtime = json_object(r, "sessionRuntime");
  out += "- session runtime: " + json_text(runtime, "label") + "\n";
  // Which Codex this run gets (and a shared broker must run to serve it).
  if (const nlohmann::json& identity = json_object(runtime, "identity"); !identity.empty()) {
    out += describe_identity(identity, "  ");
  }
  out += std::string("- review gate: ") +
         (json_bool(r, "reviewGateEnabled").value_or(false) ? "enabled" : "disabled") + "\n";
  for (const char* section : {"actionsTaken", "nextSteps"}) {
    std::vector<std::string> lines = sys::json_strings(r, section);
    if (lines.empty()) continue;
    out += std::string("\n") + (section[0] == 'a' ? "Actions taken:" : "Next steps:") + "\n";
    for (const auto& line : lines) out += "- " + line + "\n";
  }
  return out;
}

Status apply_gate(Context& ctx, store::JobStore& store, nlohmann::json& actions) {
  for (bool enable : {true, false}) {
    if (!ctx.args.flag(enable ? "enable-review-gate" : "disable-review-gate")) continue;
    COMPANION_TRY(store.set_review_gate(enable));
    actions.push_back(std::string(enable ? "Enabled" : "Disabled") +
                      " the stop-time review gate for " + store.workspace().root + ".");
  }
  return {};
}

}  // namespace

int run_setup(Context& ctx) {
  if (ctx.args.flag("enable-review-gate") && ctx.args.flag("disable-review-gate")) {
    return fail(
        "Choose either --enable-review-gate or --disable-review-gate.");  // as the reference
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  nlohmann::json actions = nlohmann::json::array();
  if (auto s = apply_gate(ctx, **store, actions); !s) return fail(s.error());
  auto gate = (*store)->review_gate();
  if (!gate) return fail(gate.error());
  Readiness r;
  // `node --version` (5-10 ms) runs while Codex is asked; run_command is thread-compatible.
  nlohmann::json node;
  auto check_node = [&] {
    node = check_tool(ctx.env, ctx.config, "node",
                      "not found (the Codex CLI installed by npm needs it)");
  };
  std::optional<std::thread> node_thread;
  try {
    node_thread.emplace(check_node);
  } catch (const std::system_error&) {  // no thread to be had: ask in turn
    check_node();
  }
  auto [codex, auth, probe] = check_codex_and_auth(
      ctx.env, ctx.config, r, (*store)->workspace().root, existing_broker_connector(ctx, **store));
  if (node_thread) node_thread->join();
  // Our binary needs no Node.js: only the Codex CLI and a signed-in (or sign-in-free) account.
  bool ready = sys::json_bool(codex, "available").value_or(false) &&
               sys::json_bool(auth, "loggedIn").value_or(false);
  bool gate_on = *gate;
  if (ready && !gate_on) {
    r.next_steps.push_back(
        "Optional: `codex-companion setup --enable-review-gate` to have Codex "
        "review changes before a Claude Code session stops.");
  }
  nlohmann::json report = {{"ready", ready},
                           {"node", node},
                           {"npm", check_npm(ctx.env, ctx.config)},
                           {"codex", codex},
                           {"auth", auth},
                           {"usageLimits", usage_limits(probe, **store)},
                           {"sessionRuntime", session_runtime(ctx, **store, true)},
                           {"reviewGateEnabled", gate_on},
                           {"workspaceRoot", (*store)->workspace().root},
                           {"actionsTaken", actions},
                           {"nextSteps", r.next_steps}};
  if (ctx.json()) {
    print_json(report);
  } else {
    print_text(render_setup(report));
  }
  return 0;
}

}  // namespace companion::cli
