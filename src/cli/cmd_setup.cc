// `setup [--enable-review-gate|--disable-review-gate] [--json]`: the readiness report.
#include "cli/commands.h"
#include "codex/run_turn.h"
#include "sys/process.h"
#include "sys/run.h"

namespace companion::cli {

namespace {

constexpr int kCheckTimeoutMs = 15000;

struct Readiness {
  nlohmann::json report;
  nlohmann::json next_steps = nlohmann::json::array();
};

std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  std::string line = text.substr(0, end);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

nlohmann::json check(bool available, const std::string& detail) {
  return {{"available", available}, {"detail", detail}};
}

// `codex --version` and `codex app-server --help`: the binary runs and speaks app-server.
nlohmann::json check_codex(Readiness& r) {
  std::string name = env_value("CODEX_COMPANION_CODEX").value_or("codex");
  auto exe = sys::find_executable(name);
  if (!exe) {
    r.next_steps.push_back(
        "Install the Codex CLI: `npm install -g @openai/codex` (or set "
        "CODEX_COMPANION_CODEX to its path).");
    return check(false, exe.error().message);
  }
  auto version = sys::run_command({.argv = {*exe, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) {
    std::string why = version ? version->describe() + ": " + first_line(version->err_tail)
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
    return check(false, first_line(version->out) + " at " + *exe + ", but without `app-server`");
  }
  nlohmann::json out = check(true, first_line(version->out) + " (" + *exe + ")");
  out["path"] = *exe;
  out["version"] = first_line(version->out);
  return out;
}

nlohmann::json check_npm() {
  auto npm = sys::find_executable("npm");
  if (!npm) return check(false, "npm not found (needed only to install or update the Codex CLI)");
  auto version = sys::run_command({.argv = {*npm, "--version"}, .timeout_ms = kCheckTimeoutMs});
  if (!version || !version->success()) return check(false, "npm at " + *npm + " does not run");
  return check(true, first_line(version->out) + " (" + *npm + ")");
}

std::string auth_detail(const nlohmann::json& account, const nlohmann::json& config) {
  const auto& acc = account.contains("account") ? account["account"] : nlohmann::json();
  std::string provider;
  if (config.contains("config") && config["config"].is_object()) {
    provider = config["config"].value("model_provider", "");
  }
  if (acc.is_object()) {
    std::string type = acc.value("type", "");
    if (type == "chatgpt") return "signed in with ChatGPT (" + acc.value("email", "") + ")";
    if (type == "apiKey") return "signed in with an API key";
    return "signed in (" + type + ")";
  }
  if (!account.value("requiresOpenaiAuth", true)) {
    return "no sign-in needed (model provider " + (provider.empty() ? "custom" : provider) + ")";
  }
  return "";
}

nlohmann::json check_auth(Readiness& r, const std::string& cwd, bool codex_ok) {
  if (!codex_ok) return check(false, "not checked: the Codex CLI is not available");
  codex::AccountProbe probe = codex::probe_account(cwd, kCheckTimeoutMs);
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
  out["account"] = probe.account.contains("account") ? probe.account["account"] : nlohmann::json();
  return out;
}

std::string render_setup(const nlohmann::json& r) {
  std::string out = "# Codex Setup\n\n";
  out += std::string("Status: ") + (r["ready"].get<bool>() ? "ready" : "needs attention") + "\n\n";
  out += "Checks:\n";
  for (const char* key : {"codex", "npm", "auth"}) {
    out += std::string("- ") + key + ": " + r[key]["detail"].get<std::string>() + "\n";
  }
  out += "- session runtime: " + r["sessionRuntime"]["label"].get<std::string>() + "\n";
  out += std::string("- review gate: ") +
         (r["reviewGateEnabled"].get<bool>() ? "enabled" : "disabled") + "\n";
  for (const char* section : {"actionsTaken", "nextSteps"}) {
    if (r[section].empty()) continue;
    out += std::string("\n") + (section[0] == 'a' ? "Actions taken:" : "Next steps:") + "\n";
    for (const auto& line : r[section]) out += "- " + line.get<std::string>() + "\n";
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
  nlohmann::json codex = check_codex(r);
  nlohmann::json auth = check_auth(r, (*store)->workspace().root, codex["available"].get<bool>());
  bool ready = codex["available"].get<bool>() && auth["available"].get<bool>();
  bool gate_on = *gate;
  if (ready && !gate_on) {
    r.next_steps.push_back(
        "Optional: `codex-companion setup --enable-review-gate` to have Codex "
        "review changes before a Claude Code session stops.");
  }
  nlohmann::json report = {{"ready", ready},
                           {"codex", codex},
                           {"npm", check_npm()},
                           {"auth", auth},
                           {"sessionRuntime", session_runtime()},
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
