#include "cli/main.h"

#include <array>
#include <exception>
#include <functional>
#include <string_view>

#include "cli/cmd_slash.h"
#include "cli/commands.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/process.h"

namespace companion::cli {

namespace {

struct Command {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  OptionSpec options;
  int (*run)(Context&);
};

const std::array<Command, 20>& commands() {
  static const std::array<Command, 20> kTable = {{
      {"setup",
       "setup [--enable-review-gate|--disable-review-gate] [--json]",
       "Check readiness (Codex CLI, auth, runtime) and toggle the stop-time review gate.",
       {{}, {"enable-review-gate", "disable-review-gate"}, false, 0},
       run_setup},
      {"task",
       "task [--background] [--write] [--worktree] [--from-review JOB] "
       "[--resume-last|--resume|--fresh|--resume-thread ID] [--model M|spark] "
       "[--effort none|minimal|low|medium|high|xhigh] [--prompt-file F] [prompt…]",
       "Delegate a task to Codex (prompt from text, --prompt-file or stdin). A write task's "
       "result shows what git saw change. --worktree: write in a fresh git worktree on branch "
       "codex/<job id> (then `apply JOB`). --from-review JOB: fix what that finished review "
       "found (the text, if any, adds instructions). --resume-thread ID: continue exactly that "
       "Codex thread.",
       {{"model", "effort", "prompt-file", "from-review", "resume-thread"},
        {"background", "wait", "write", "worktree", "resume", "resume-last", "fresh"},
        true},
       run_task},
      {"review",
       "review [--wait|--background] [--base REF] [--scope auto|working-tree|branch] [--model M]",
       "Run Codex's built-in reviewer over the working tree or the branch.",
       {{"base", "scope", "model", "effort"}, {"wait", "background"}, true},
       run_review},
      {"adversarial-review",
       "adversarial-review [--wait|--background] [--base REF] [--scope auto|working-tree|branch] "
       "[--model M] [focus text…]",
       "A steerable, read-only challenge review with structured findings.",
       {{"base", "scope", "model", "effort"}, {"wait", "background"}, true},
       run_adversarial_review},
      {"task-worker",
       "task-worker --job-id ID",
       "Internal: runs one queued background job.",
       {{"job-id"}, {}, false, 0},
       run_task_worker},
      {"notify-job",
       "notify-job --job-id ID",
       "Internal: runs the workspace's notify command for one ended background job (started "
       "by whoever records the end).",
       {{"job-id"}, {}, false, 0},
       run_notify_job},
      {"task-resume-candidate",
       "task-resume-candidate [--json]",
       "The task whose Codex thread `task --resume` would continue.",
       {{}, {}, false, 0},
       run_task_resume_candidate},
      {"transfer",
       "transfer [--source PATH] [--json]",
       "Hand this Claude Code session to Codex as a thread you can `codex resume`.",
       {{"source"}, {}},  // refuses words itself, saying to use --source
       run_transfer},
      {"status",
       "status [JOB] [--all] [--json] [--wait [--timeout-ms N] [--poll-interval-ms N]]",
       "Show active and recent jobs of this workspace and session, or one job in full. --all: "
       "every finished job, and the stop-time review gate's reviews.",
       {{"timeout-ms", "poll-interval-ms"}, {"all", "wait"}},
       run_status},
      {"result",
       "result [JOB] [--json]",
       "Print the stored output of a finished job.",
       {},
       run_result},
      {"apply",
       "apply JOB [--json]",
       "Bring a finished `task --worktree` job's change (its branch codex/JOB) into the working "
       "tree; refused, with nothing changed, when it does not apply cleanly.",
       {},
       run_apply},
      {"cancel",
       "cancel [JOB] [--json]",
       "Cancel an active job: interrupt the Codex turn, end its worker, mark it cancelled.",
       {},
       run_cancel},
      {"logs",
       "logs JOB [--follow] [--lines N] [--json]",
       "Print a job's progress log (its last N lines, default 200); --follow streams new lines "
       "until the job ends, then prints its final state (with --json: one JSON object per line).",
       {{"lines"}, {"follow"}},
       run_logs},
      {"retry",
       "retry JOB [--resume] [--background|--wait] [--json]",
       "Run a failed or cancelled job's request again as a new job; --resume continues the "
       "job's Codex thread.",
       {{}, {"resume", "background", "wait"}},
       run_retry},
      {"hook",
       "hook session-start|session-end|stop|user-prompt-submit|user-prompt-expansion",
       "Claude Code hook entry points (the hook's JSON on stdin; see plugin/hooks/hooks.json).",
       {},
       run_hook},
      {"broker",
       "broker status|stop [--force] [--json]",
       "The workspace's shared Codex broker: show it, or stop it (refused while a job uses it "
       "unless --force). Internal: broker serve --endpoint unix:PATH [--pid-file F].",
       {{"endpoint", "pid-file"}, {"detach", "force"}},
       run_broker},
      {"config",
       "config get [KEY] [--json] | config set [--user] KEY VALUE | config unset [--user] KEY",
       "Workspace settings: max-parallel (jobs at once; more background jobs wait, queued), "
       "notify (a command run with the job's JSON on stdin when a background job ends), "
       "stopReviewGate, and the defaults model, effort, review-model, review-effort (a flag "
       "wins, then the workspace's, then your own with --user, then Codex's configuration). "
       "Words of a notify command that start with `-` go after `--`.",
       {{}, {"user"}, false, std::nullopt, true},
       run_config},
      {"queue",
       "queue [show|pause|resume] [--json]",
       "Hold this workspace's queue (waiting background jobs stay queued, running ones go on; "
       "kept across restarts), release it, or show it.",
       {{}, {}, false, std::nullopt},
       run_queue},
      {"steer",
       "steer [--json] JOB TEXT",
       "Add instructions to a running job's Codex turn (turn/steer), from any shell, through the "
       "shared broker; the text is recorded in the job's log.",
       {{}, {}, true},
       run_steer},
      {"mcp",
       "mcp [--cwd DIR]",
       "Serve the same jobs over MCP (stdio, JSON-RPC 2.0) to any MCP client: tools codex_task, "
       "codex_review, codex_adversarial_review, codex_status, codex_result, codex_cancel, "
       "codex_logs; with MCP tasks, the task id is the job id. The workspace is the client's "
       "first root, else --cwd or this directory.",
       {{}, {}, false, 0},
       run_mcp},
  }};
  return kTable;
}

std::string usage_text() {
  std::string out =
      "codex-companion " COMPANION_VERSION
      " — hand code reviews and tasks to the Codex CLI, in the foreground or as durable "
      "background jobs.\n\nUsage: codex-companion <command> [options] [--cwd DIR] [--json]\n\n"
      "Commands:\n";
  for (const auto& c : commands()) {
    out += "  " + std::string(c.usage) + "\n      " + std::string(c.summary) + "\n";
  }
  out += std::string("  ") + kSlashUsage + "\n      " + kSlashSummary + "\n";
  out +=
      "\nEvery command takes --cwd DIR (-C DIR), --help (-h) and --version. For task, review and\n"
      "adversarial-review, options come first: from the first word that is not an option (or\n"
      "after `--`) the rest is the prompt or focus text, taken literally. A word that starts\n"
      "with `-` and is not an option of the command is refused (put text after `--`).\n";
  return out;
}

// How a free-text command reads its words (SPEC.md section 1).
constexpr std::string_view kFreeTextHelp =
    "\nOptions come first. A word before the text that starts with `-` and is not an option of\n"
    "this command is refused: put text that starts with `-` after `--`. From the first word\n"
    "that is not an option of this command (or after `--`) everything is text, taken\n"
    "literally: words like --write or --cwd, quotes, apostrophes and backslashes in it are part\n"
    "of the text and change nothing else. When the command gets one argument (Claude Code's\n"
    "\"$ARGUMENTS\"), its leading options are split like a shell would and the text is the rest\n"
    "of that string, byte for byte.\n";

std::string command_help(const Command& cmd) {
  std::string out =
      "Usage: codex-companion " + std::string(cmd.usage) + "\n\n" + std::string(cmd.summary) + "\n";
  if (cmd.options.free_text) out += kFreeTextHelp;
  return out;
}

int dispatch(sys::Env& env, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_text(usage_text());
    return args.empty() ? 1 : 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    print_text("codex-companion " COMPANION_VERSION "\n");
    return 0;
  }
  if (args[0] == "slash") {
    return run_slash(env, args,
                     [&](const std::vector<std::string>& call) { return dispatch(env, call); });
  }
  const Command* cmd = nullptr;
  for (const auto& c : commands()) {
    if (c.name == args[0]) cmd = &c;
  }
  if (!cmd) {
    return fail("unknown command '" + args[0] + "'; run `codex-companion --help` for the list");
  }
  auto parsed = parse_arguments({args.begin() + 1, args.end()}, cmd->options, cmd->name);
  if (!parsed) return fail(parsed.error());
  if (parsed->flag("help")) {
    print_text(command_help(*cmd));
    return 0;
  }
  if (parsed->flag("version")) {
    print_text("codex-companion " COMPANION_VERSION "\n");
    return 0;
  }
  auto config = sys::load_config(env);
  if (!config) return fail(config.error());
  Context ctx(env, std::move(*config));
  ctx.command = std::string(cmd->name);
  ctx.args = std::move(*parsed);
  ctx.cwd = ctx.args.value("cwd").value_or(ctx.config.cwd);
  return cmd->run(ctx);
}

}  // namespace

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what() +
                " (please report it; nothing stored was changed by this error)");
  } catch (...) {
    return fail("internal error: an unknown exception (please report it)");
  }
}

int run_main(int argc, char** argv) {
  sys::prepare_process();
  std::vector<std::string> args(argv + 1, argv + argc);
  return guarded([&] { return dispatch(sys::default_env(), args); });
}

}  // namespace companion::cli
