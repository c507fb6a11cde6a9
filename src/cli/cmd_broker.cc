// `broker serve --endpoint unix:PATH [--pid-file F] [--detach]`: internal, the shared app-server
// broker. `broker status|stop [--force] [--json]`: the workspace's broker.
#include "broker/lifecycle.h"
#include "broker/serve.h"
#include "cli/commands.h"
#include "codex/codex_binary.h"
#include "store/workspace.h"
#include "sys/clock.h"
#include "sys/detach.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

// One line of the broker's log (its stderr, a file its launcher chose).
void log_line(std::string_view line) {
  std::string text = sys::iso_time(sys::now_ms()) + " codex-companion broker: ";
  for (char c : line) text.push_back(c == '\n' ? ' ' : c);
  print_note(text + "\n");
}

int serve(Context& ctx) {
  auto endpoint = ctx.args.value("endpoint");
  if (!endpoint) return fail("broker serve needs --endpoint unix:<absolute socket path>");
  auto codex = codex::resolve_codex(ctx.config);
  if (!codex) return fail(codex.error());
  broker::ServeOptions options;
  options.codex = *codex;
  options.endpoint = *endpoint;
  options.pid_file = ctx.args.value("pid-file").value_or("");
  options.idle_ms = ctx.config.broker_idle_ms;
  auto root = store::workspace_root_of(ctx.cwd);
  options.cwd = root ? *root : ctx.cwd;
  options.log = log_line;
  if (ctx.args.flag("detach")) {
    // Leave the caller's process tree: the broker must outlive the job that started it.
    auto side = sys::fork_detached();
    if (!side) return fail(side.error());
    if (*side == sys::ForkSide::kParent) return 0;
  }
  auto code = broker::serve(options);
  if (!code) return fail(code.error());
  return *code;
}

std::string describe(const nlohmann::json& ping, const std::string& endpoint) {
  return fmt::format(
      "Shared Codex broker: running\n- endpoint: {}\n- pid: {}\n- app-server pid: {}\n"
      "- clients: {}\n- active turns: {}\n- started: {}\n",
      endpoint, sys::json_int(ping, "pid").value_or(0),
      sys::json_int(ping, "appServerPid").value_or(0), sys::json_int(ping, "clients").value_or(0),
      sys::json_int(ping, "activeTurns").value_or(0), sys::json_text(ping, "startedAt"));
}

int status(Context& ctx) {
  auto store = ctx.store();
  if (!store) return fail(store.error());
  auto healthy = broker::healthy_broker(**store, 1000);
  nlohmann::json out = {{"workspaceRoot", (*store)->workspace().root}, {"running", bool(healthy)}};
  if (healthy) {
    out["endpoint"] = healthy->first.endpoint;
    out["broker"] = healthy->second;
  }
  if (ctx.json()) {
    print_json(out);
  } else {
    print_text(healthy ? describe(healthy->second, healthy->first.endpoint)
                       : "Shared Codex broker: not running for this workspace\n");
  }
  return 0;
}

int stop(Context& ctx) {
  auto store = ctx.store();
  if (!store) return fail(store.error());
  bool force = ctx.args.flag("force");
  auto stopped = broker::stop_broker(**store, broker::StopOptions{.force = force});
  if (!stopped) return fail(stopped.error());
  if (!stopped->refusal.empty()) {
    return fail(fmt::format(
        "the shared Codex broker is in use ({}); run `codex-companion broker stop --force` to "
        "stop it anyway (its jobs end as broker-lost)",
        stopped->refusal));
  }
  nlohmann::json out = {{"workspaceRoot", (*store)->workspace().root},
                        {"wasRunning", stopped->was_running},
                        {"stopped", stopped->stopped},
                        {"broker", stopped->status}};
  if (ctx.json()) {
    print_json(out);
  } else {
    print_text(stopped->was_running ? "Stopped the shared Codex broker.\n"
                                    : "No shared Codex broker was running for this workspace.\n");
  }
  return 0;
}

}  // namespace

int run_broker(Context& ctx) {
  const auto& words = ctx.args.positionals;
  std::string sub = words.empty() ? "" : words[0];
  if (words.size() == 1) {
    if (sub == "serve") return serve(ctx);
    if (sub == "status") return status(ctx);
    if (sub == "stop") return stop(ctx);
  }
  return fail(
      "usage: codex-companion broker status|stop [--force] [--json], or (internal) broker serve "
      "--endpoint unix:PATH [--pid-file F]");
}

}  // namespace companion::cli
