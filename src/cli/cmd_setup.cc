// `setup [--enable-review-gate|--disable-review-gate] [--json]`: the readiness report.
#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/account_probe.h"
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

// `codex --version` and `codex app-server --help`: the binary runs and speaks app-server.
nlohmann::json check_codex(const sys::Config& config, Readiness& r) {
  std::string name = config.codex.value_or("codex");
  auto exe = sys::find_executable(name, config.path);
  if (!exe) {
    r.next_steps.push_back(
        "Install the Codex CLI: `npm install -g @openai/codex` (or set "
        "CODEX_COMPANION_CODEX to its path).");
    return check(false, exe.error().message);
  }
  auto version = sys::run_command({.argv = {*exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) {
    std::string why = version ? version->describe() + ": " + sys::first_line(version->err_tail)
                              : version.error().message;
    r.next_steps.push_back("Reinstall the Codex CLI: `npm install -g @openai/codex`.");
    return check(false, *exe + " --version failed (" + why + ")");
  }
  auto help =
      sys::run_command({.argv = {*exe, "app-server", "--help"}, .timeout_ms = kCheckTimeoutMs});
  if (!help || !help->success()) {
    r.next_steps.push_back(
        "Upgrade the Codex CLI to a version with `codex app-server`: "
        "`npm install -g @openai/codex@latest`.");
    return check(false,
                 sys::first_line(version->out) + " at " + *exe + ", but without `app-server`");
  }
  nlohmann::json out = check(true, sys::first_line(version->out) + " (" + *exe + ")");
  out["path"] = *exe;
  out["version"] = sys::first_line(version->out);
  return out;
}

nlohmann::json check_npm(const sys::Config& config) {
  auto npm = sys::find_executable("npm", config.path);
  if (!npm) return check(false, "npm not found (needed only to install or update the Codex CLI)");
  auto version = sys::run_command({.argv = {*npm, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) return check(false, "npm at " + *npm + " does not run");
  return check(true, sys::first_line(version->out) + " (" + *npm + ")");
}

// The app-server's answers are outside data: every field is read tolerantly (an `email` of null
// or a number reads as absent).
std::string auth_detail(const nlohmann::json& account, const nlohmann::json& config) {
  std::string provider = sys::json_text(sys::json_object(config, "config"), "model_provider");
  if (const nlohmann::json* acc = sys::json_field(account, "account"); acc && acc->is_object()) {
    std::string type = sys::json_text(*acc, "type");
    std::string email = sys::json_text(*acc, "email");
    if (type == "chatgpt") {
      return "signed in with ChatGPT" + (email.empty() ? std::string() : " (" + email + ")");
    }
    if (type == "apiKey") return "signed in with an API key";
    return "signed in (" + (type.empty() ? std::string("unknown method") : type) + ")";
  }
  if (!sys::json_bool(account, "requiresOpenaiAuth").value_or(true)) {
    return "no sign-in needed (model provider " + (provider.empty() ? "custom" : provider) + ")";
  }
  return "";
}

nlohmann::json check_auth(const sys::Config& config, Readiness& r, const std::string& cwd,
                          bool codex_ok, const codex::Connector& connector) {
  if (!codex_ok) return check(false, "not checked: the Codex CLI is not available");
  auto codex = codex::resolve_codex(config);
  if (!codex) return check(false, codex.error().message);
  // Through the running broker when there is one (it falls back to a direct app-server when
  // the broker fails, so a busy or broken broker never reads as "not signed in").
  codex::AccountProbe probe = codex::probe_account(*codex, cwd, kCheckTimeoutMs, connector);
  if (!probe.error.empty()) {
    r.next_steps.push_back("Check that `codex app-server` starts in this workspace.");
    return check(false, probe.error);
  }
  std::string detail = auth_detail(probe.account, probe.config);
  if (detail.empty()) {
    r.next_steps.push_back("Sign in to Codex: run `codex login`.");
    return check(false, "not signed in");
  }
  nlohmann::json out = check(true, detail);
  out["account"] = sys::json_value(probe.account, "account");
  return out;
}

std::string render_setup(const nlohmann::json& r) {
  using sys::json_bool, sys::json_object, sys::json_text;
  std::string out = "# Codex Setup\n\n";
  out += std::string("Status: ") +
         (json_bool(r, "ready").value_or(false) ? "ready" : "needs attention") + "\n\n";
  out += "Checks:\n";
  for (const char* key : {"codex", "npm", "auth"}) {
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
    return fail("choose one of --enable-review-gate and --disable-review-gate");
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  nlohmann::json actions = nlohmann::json::array();
  if (auto s = apply_gate(ctx, **store, actions); !s) return fail(s.error());
  auto gate = (*store)->review_gate();
  if (!gate) return fail(gate.error());
  Readiness r;
  nlohmann::json codex = check_codex(ctx.config, r);
  bool codex_ok = sys::json_bool(codex, "available").value_or(false);
  nlohmann::json auth = check_auth(ctx.config, r, (*store)->workspace().root, codex_ok,
                                   existing_broker_connector(ctx, **store));
  bool ready = codex_ok && sys::json_bool(auth, "available").value_or(false);
  bool gate_on = *gate;
  if (ready && !gate_on) {
    r.next_steps.push_back(
        "Optional: `codex-companion setup --enable-review-gate` to have Codex "
        "review changes before a Claude Code session stops.");
  }
  nlohmann::json report = {{"ready", ready},
                           {"codex", codex},
                           {"npm", check_npm(ctx.config)},
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
