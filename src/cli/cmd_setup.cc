// `setup [--enable-review-gate|--disable-review-gate] [--json]`: the readiness report.
#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/account_probe.h"
#include "codex/auth_status.h"
#include "codex/run_turn.h"
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

// `codex --version` and `codex app-server --help`: the binary runs and speaks app-server. The
// detail reads "<version>; advanced runtime available" as the reference plugin's does (scripts
// match it), or says what is missing.
nlohmann::json check_codex(const sys::Config& config, Readiness& r) {
  std::string name = config.codex.value_or("codex");
  auto exe = sys::find_executable(name, config.path);
  if (!exe) {
    r.next_steps.push_back(
        "Install the Codex CLI: `npm install -g @openai/codex` (or set "
        "CODEX_COMPANION_CODEX to its path).");
    return check(false, "not found (" + exe.error().message + ")");
  }
  auto version = sys::run_command({.argv = {*exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) {
    std::string why = version ? version->describe() + ": " + sys::first_line(version->err_tail)
                              : version.error().message;
    r.next_steps.push_back("Reinstall the Codex CLI: `npm install -g @openai/codex`.");
    return check(false, *exe + " --version failed (" + why + ")");
  }
  std::string version_text = sys::first_line(version->out);
  auto help =
      sys::run_command({.argv = {*exe, "app-server", "--help"}, .timeout_ms = kCheckTimeoutMs});
  if (!help || !help->success()) {
    r.next_steps.push_back(
        "Upgrade the Codex CLI to a version with `codex app-server`: "
        "`npm install -g @openai/codex@latest`.");
    return check(false, version_text + "; advanced runtime unavailable: " + *exe +
                            " has no working `app-server` command");
  }
  nlohmann::json out = check(true, version_text + "; advanced runtime available");
  out["path"] = *exe;
  out["version"] = version_text;
  return out;
}

// `<tool> --version`: the detail is its version, or why it cannot be used.
nlohmann::json check_tool(const sys::Config& config, const std::string& tool,
                          const std::string& missing) {
  auto exe = sys::find_executable(tool, config.path);
  if (!exe) return check(false, missing);
  auto version = sys::run_command({.argv = {*exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) return check(false, tool + " at " + *exe + " does not run");
  nlohmann::json out = check(true, sys::first_line(version->out));
  out["path"] = *exe;
  return out;
}

nlohmann::json check_auth(const sys::Config& config, Readiness& r, const std::string& cwd,
                          const nlohmann::json& codex_check, const codex::Connector& connector) {
  if (!sys::json_bool(codex_check, "available").value_or(false)) {
    return codex::auth_unavailable(sys::json_text(codex_check, "detail"));
  }
  auto codex = codex::resolve_codex(config);
  if (!codex) return codex::auth_unavailable(codex.error().message);
  nlohmann::json auth =
      codex::auth_status(codex::probe_account(*codex, cwd, kCheckTimeoutMs, connector));
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

std::string render_setup(const nlohmann::json& r) {
  using sys::json_bool, sys::json_object, sys::json_text;
  std::string out = "# Codex Setup\n\n";
  out += std::string("Status: ") +
         (json_bool(r, "ready").value_or(false) ? "ready" : "needs attention") + "\n\n";
  out += "Checks:\n";
  for (const char* key : {"node", "npm", "codex", "auth"}) {
    out += std::string("- ") + key + ": " + json_text(json_object(r, key), "detail") + "\n";
  }
  out += "- session runtime: " + json_text(json_object(r, "sessionRuntime"), "label") + "\n";
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
  nlohmann::json codex = check_codex(ctx.config, r);
  nlohmann::json auth = check_auth(ctx.config, r, (*store)->workspace().root, codex,
                                   existing_broker_connector(ctx, **store));
  // Our binary needs no Node.js: only the Codex CLI and a signed-in (or sign-in-free) account.
  bool ready = sys::json_bool(codex, "available").value_or(false) &&
               sys::json_bool(auth, "loggedIn").value_or(false);
  bool gate_on = *gate;
  if (ready && !gate_on) {
    r.next_steps.push_back(
        "Optional: `codex-companion setup --enable-review-gate` to have Codex "
        "review changes before a Claude Code session stops.");
  }
  nlohmann::json report = {
      {"ready", ready},
      {"node",
       check_tool(ctx.config, "node", "not found (the Codex CLI installed by npm needs it)")},
      {"npm",
       check_tool(ctx.config, "npm", "not found (needed only to install or update the Codex CLI)")},
      {"codex", codex},
      {"auth", auth},
      {"sessionRuntime", session_runtime(ctx, **store)},
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
