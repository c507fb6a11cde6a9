// `broker serve --endpoint unix:PATH [--pid-file F] [--detach]`: internal, the shared app-server
// broker. `broker status|stop [--force] [--json]`: the workspace's brokers (one per Codex
// identity): status shows the one of this run's identity and lists the others; stop stops them
// all.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "broker/lifecycle.h"
#include "broker/serve.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/codex_binary.h"
#include "codex/identity.h"
#include "codex/sandbox_places.h"
#include "rpc/stream_transport.h"
#include "store/workspace.h"
#include "sys/clock.h"
#include "sys/detach.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/path_checks.h"

namespace companion::cli {

namespace {

// One line of the broker's log (its stderr, a file its launcher chose).
void log_line(sys::Env& env, std::string_view line) {
  std::string text = sys::iso_time(env.now_ms()) + " codex-companion broker: ";
  for (char c : line) text.push_back(c == '\n' ? ' ' : c);
  print_note(text + "\n");
}

int serve(Context& ctx) {
  auto endpoint = ctx.args.value("endpoint");
  if (!endpoint) return fail("broker serve needs --endpoint unix:<absolute socket path>");
  auto root = store::workspace_root_of(ctx.env, ctx.cwd);
  const std::string workspace = root ? *root : ctx.cwd;
  auto codex = codex::resolve_placed_codex(ctx.config, workspace, ctx.env);
  if (!codex) return fail(codex.error());
  broker::ServeOptions options;
  options.codex = *codex;
  options.endpoint = *endpoint;
  options.pid_file = ctx.args.value("pid-file").value_or("");
  options.idle_ms = ctx.config.broker_idle_ms;
  options.cwd = workspace;
  // Never listen where a sandboxed task may write: a task could take the socket's place.
  if (auto path = rpc::parse_unix_endpoint(*endpoint)) {
    auto places = codex::task_writable_places(ctx.config, options.cwd, ctx.env);
    if (auto place = sys::place_holding(sys::dirname_of(*path), places)) {
      return fail(fmt::format(
          "refusing the broker socket {}: it is inside {}, where a sandboxed Codex task may "
          "write; choose a directory in $XDG_RUNTIME_DIR or the state directory",
          *path, place->what));
    }
  }
  // Which Codex this broker runs, from its own environment: what its clients check.
  options.identity =
      codex::to_json(codex::codex_identity(options.cwd, ctx.config, *codex, ctx.env));
  options.log = [&env = ctx.env](std::string_view line) { log_line(env, line); };
  if (ctx.args.flag("detach")) {
    // Leave the caller's process tree: the broker must outlive the job that started it.
    auto side = sys::fork_detached();
    if (!side) return fail(side.error());
    if (*side == sys::ForkSide::kParent) return 0;
  }
  auto code = broker::serve(ctx.env, options);
  if (!code) return fail(code.error());
  return *code;
}

std::string describe_running(const nlohmann::json& ping, const std::string& endpoint) {
  std::string version = sys::json_text(ping, "codexVersion");
  return fmt::format(
      "- endpoint: {}\n- pid: {}\n- app-server pid: {}\n- codex version: {}\n- clients: {}\n"
      "- active turns: {}\n- started: {}\n",
      endpoint, sys::json_int(ping, "pid").value_or(0),
      sys::json_int(ping, "appServerPid").value_or(0), version.empty() ? "unknown" : version,
      sys::json_int(ping, "clients").value_or(0), sys::json_int(ping, "activeTurns").value_or(0),
      sys::json_text(ping, "startedAt"));
}

// One recorded broker in `broker status --json`.
nlohmann::json broker_entry(const broker::RecordedBroker& b, bool this_run) {
  const nlohmann::json& said =
      b.answer ? sys::json_object(*b.answer, "identity") : nlohmann::json::object();
  nlohmann::json entry = {{"key", b.session.key},
                          {"endpoint", b.session.endpoint},
                          {"pid", b.session.pid},
                          {"running", b.answer.has_value()},
                          {"thisRun", this_run},
                          {"identity", said.empty() ? b.session.identity : said},
                          {"broker", b.answer ? *b.answer : nlohmann::json(nullptr)}};
  if (!b.answer) entry["error"] = b.error;
  return entry;
}

// One line about another broker of the workspace: which, and what differs from this run's Codex.
std::string describe_other(const nlohmann::json& entry, const Result<nlohmann::json>& identity) {
  const nlohmann::json& theirs = sys::json_object(entry, "identity");
  std::string key = sys::json_text(entry, "key");
  std::string state = sys::json_bool(entry, "running").value_or(false)
                          ? "running"
                          : "not answering (" + sys::json_text(entry, "error") + ")";
  std::string differs = identity ? codex::describe_difference(*identity, theirs) : "";
  return fmt::format("- {}: pid {}, {}{}\n",
                     key.empty() ? std::string("(an earlier version's)") : key,
                     sys::json_int(entry, "pid").value_or(0), state,
                     differs.empty() ? std::string() : "; " + differs);
}

int status(Context& ctx) {
  auto store = ctx.store();
  if (!store) return fail(store.error());
  auto identity = run_identity(ctx, **store);
  auto brokers = broker::recorded_brokers(**store, 1000);
  if (!brokers) return fail(brokers.error());
  nlohmann::json out = {{"workspaceRoot", (*store)->workspace().root},
                        {"running", false},
                        {"identity", identity ? *identity : nlohmann::json(nullptr)},
                        {"brokers", nlohmann::json::array()}};
  std::string ours, others;
  for (const broker::RecordedBroker& b : *brokers) {
    bool this_run = identity && b.answer && broker::identity_mismatch(*identity, *b.answer).empty();
    nlohmann::json entry = broker_entry(b, this_run);
    if (this_run && !out["running"].get<bool>()) {
      out["running"] = true;
      out["endpoint"] = b.session.endpoint;
      out["broker"] = *b.answer;
      ours = describe_running(*b.answer, b.session.endpoint);
    } else {
      others += describe_other(entry, identity);
    }
    out["brokers"].push_back(std::move(entry));
  }
  if (ctx.json()) {
    print_json(out);
    return 0;
  }
  std::string text = !ours.empty()      ? "Shared Codex broker: running\n" + ours
                     : brokers->empty() ? "Shared Codex broker: not running for this workspace\n"
                                        : "Shared Codex broker: not running for this run's Codex\n";
  text += identity ? "This run's Codex:\n" + describe_identity(*identity)
                   : "This run's Codex: unknown (" + identity.error().message + ")\n";
  if (!others.empty()) text += "Other brokers of this workspace (another Codex):\n" + others;
  print_text(text);
  return 0;
}

int stop(Context& ctx) {
  auto store = ctx.store();
  if (!store) return fail(store.error());
  auto stopped =
      broker::stop_brokers(**store, broker::StopOptions{.force = ctx.args.flag("force")});
  if (!stopped) return fail(stopped.error());
  nlohmann::json out = {{"workspaceRoot", (*store)->workspace().root},
                        {"wasRunning", false},
                        {"stopped", true},
                        {"broker", nullptr},
                        {"brokers", nlohmann::json::array()}};
  std::vector<std::string> refusals;
  size_t was_running = 0;
  for (const broker::StopResult& r : *stopped) {
    if (r.was_running && out["broker"].is_null()) out["broker"] = r.status;
    was_running += r.was_running ? 1 : 0;
    if (!r.refusal.empty()) refusals.push_back(r.refusal);
    out["brokers"].push_back(
        {{"key", r.key},
         {"endpoint", r.endpoint},
         {"wasRunning", r.was_running},
         {"stopped", r.stopped},
         {"refusal", r.refusal.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.refusal)},
         {"identity", r.identity},
         {"broker", r.status}});
  }
  out["wasRunning"] = was_running > 0;
  out["stopped"] = refusals.empty();
  if (!refusals.empty()) {
    return fail(fmt::format(
        "{} in use ({}); run `codex-companion broker stop --force` to stop {} anyway ({} jobs end "
        "as broker-lost)",
        refusals.size() == 1 ? std::string("the shared Codex broker is")
                             : fmt::format("{} shared Codex brokers are", refusals.size()),
        fmt::join(refusals, "; "), refusals.size() == 1 ? "it" : "them",
        refusals.size() == 1 ? "its" : "their"));
  }
  if (ctx.json()) {
    print_json(out);
  } else if (was_running == 0) {
    print_text("No shared Codex broker was running for this workspace.\n");
  } else {
    print_text(was_running == 1 ? "Stopped the shared Codex broker.\n"
                                : fmt::format("Stopped {} shared Codex brokers.\n", was_running));
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
