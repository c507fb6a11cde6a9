// `setup [--enable-review-gate|--disable-review-gate] [--json]`
#include "cli/commands.h"
#include "sys/process.h"

namespace companion::cli {

namespace {

nlohmann::json check_codex() {
  std::string name = env_value("CODEX_COMPANION_CODEX").value_or("codex");
  auto exe = sys::find_executable(name);
  if (!exe) {
    return {{"available", false},
            {"detail", "not found (" + exe.error().message + ")"},
            {"path", nullptr}};
  }
  return {{"available", true}, {"detail", "found at " + *exe}, {"path", *exe}};
}

std::string render_setup(const nlohmann::json& r) {
  std::string out = "# Codex Setup\n\n";
  out += std::string("Status: ") + (r["ready"].get<bool>() ? "ready" : "needs attention") + "\n\n";
  out += "Checks:\n";
  out += "- codex: " + r["codex"]["detail"].get<std::string>() + "\n";
  out += "- session runtime: " + r["sessionRuntime"]["label"].get<std::string>() + "\n";
  out += std::string("- review gate: ") + (r["reviewGateEnabled"].get<bool>() ? "enabled" : "disabled") +
         "\n";
  if (!r["actionsTaken"].empty()) {
    out += "\nActions taken:\n";
    for (const auto& a : r["actionsTaken"]) out += "- " + a.get<std::string>() + "\n";
  }
  if (!r["nextSteps"].empty()) {
    out += "\nNext steps:\n";
    for (const auto& s : r["nextSteps"]) out += "- " + s.get<std::string>() + "\n";
  }
  return out;
}

}  // namespace

int run_setup(Context& ctx) {
  if (ctx.args.flag("enable-review-gate") && ctx.args.flag("disable-review-gate")) {
    return fail("choose one of --enable-review-gate and --disable-review-gate");
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  nlohmann::json actions = nlohmann::json::array();
  for (bool enable : {true, false}) {
    if (!ctx.args.flag(enable ? "enable-review-gate" : "disable-review-gate")) continue;
    auto s = (*store)->set_config("stopReviewGate", enable ? "true" : "false");
    if (!s) return fail(s.error());
    actions.push_back(std::string(enable ? "Enabled" : "Disabled") +
                      " the stop-time review gate for " + (*store)->workspace().root + ".");
  }
  auto gate = (*store)->config("stopReviewGate");
  if (!gate) return fail(gate.error());
  nlohmann::json codex = check_codex();
  nlohmann::json next = nlohmann::json::array();
  if (!codex["available"].get<bool>()) {
    next.push_back("Install the Codex CLI: npm install -g @openai/codex (or set CODEX_COMPANION_CODEX)");
  }
  bool ready = codex["available"].get<bool>();
  nlohmann::json report = {
      {"ready", ready},
      {"codex", codex},
      {"sessionRuntime", {{"mode", "direct"}, {"label", "direct (one app-server per job)"}}},
      {"reviewGateEnabled", gate->value_or("false") == "true"},
      {"workspaceRoot", (*store)->workspace().root},
      {"actionsTaken", actions},
      {"nextSteps", next}};
  if (ctx.json()) {
    print_json(report);
  } else {
    print_text(render_setup(report));
  }
  return 0;
}

}  // namespace companion::cli
