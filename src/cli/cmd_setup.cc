// `setup [--enable-review-gate|--disable-review-gate] [--json]`: the readiness report.
#include <optional>
#include <system_error>
#include <thread>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/rate_limits.h"
#include "codex/readiness.h"
#include "sys/clock.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

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
  std::vector<std::string> next_steps;
  // `node --version` (5-10 ms) runs while Codex is asked; run_command is thread-compatible.
  nlohmann::json node;
  auto check_node = [&] {
    node = codex::check_tool(ctx.env, ctx.config, "node",
                             "not found (the Codex CLI installed by npm needs it)");
  };
  std::optional<std::thread> node_thread;
  try {
    node_thread.emplace(check_node);
  } catch (const std::system_error&) {  // no thread to be had: ask in turn
    check_node();
  }
  const std::string& root = (*store)->workspace().root;
  codex::Connector connector = existing_broker_connector(ctx, **store);
  auto probe = [&](const codex::CodexCommand& codex) {
    return codex::probe_account(codex, root, codex::kCheckTimeoutMs, connector);
  };
  codex::CodexReport checked = codex::check_codex_and_auth(ctx.env, ctx.config, probe, next_steps);
  if (node_thread) node_thread->join();
  bool gate_on = *gate;
  bool ready = codex::is_ready(checked, gate_on, next_steps);
  nlohmann::json report = {{"ready", ready},
                           {"node", node},
                           {"npm", codex::check_npm(ctx.env, ctx.config)},
                           {"codex", checked.codex},
                           {"auth", checked.auth},
                           {"usageLimits", usage_limits(checked.probe, **store)},
                           {"sessionRuntime", session_runtime(ctx, **store, true)},
                           {"reviewGateEnabled", gate_on},
                           {"workspaceRoot", (*store)->workspace().root},
                           {"actionsTaken", actions},
                           {"nextSteps", next_steps}};
  if (ctx.json()) {
    print_json(report);
  } else {
    print_text(render_setup(report));
  }
  return 0;
}

}  // namespace companion::cli
