#include "cli/main.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "cli/commands.h"

namespace companion::cli {

namespace {

struct Command {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  OptionSpec options;
  int (*run)(Context&);
};

const std::array<Command, 10>& commands() {
  static const std::array<Command, 10> kTable = {{
      {"setup",
       "setup [--enable-review-gate|--disable-review-gate] [--json]",
       "Check readiness (Codex CLI, auth, runtime) and toggle the stop-time review gate.",
       {{}, {"enable-review-gate", "disable-review-gate"}},
       run_setup},
      {"task",
       "task [--background] [--write] [--resume-last|--resume|--fresh] [--model M|spark] "
       "[--effort none|minimal|low|medium|high|xhigh] [--prompt-file F] [prompt…]",
       "Delegate a task to Codex (prompt from text, --prompt-file or stdin).",
       {{"model", "effort", "prompt-file"},
        {"background", "wait", "write", "resume", "resume-last", "fresh"}},
       run_task},
      {"review",
       "review [--wait|--background] [--base REF] [--scope auto|working-tree|branch] [--model M]",
       "Run Codex's built-in reviewer over the working tree or the branch.",
       {{"base", "scope", "model", "effort"}, {"wait", "background"}},
       run_review},
      {"adversarial-review",
       "adversarial-review [--wait|--background] [--base REF] [--scope auto|working-tree|branch] "
       "[--model M] [focus text…]",
       "A steerable, read-only challenge review with structured findings.",
       {{"base", "scope", "model", "effort"}, {"wait", "background"}},
       run_adversarial_review},
      {"task-worker",
       "task-worker --job-id ID",
       "Internal: runs one queued background job.",
       {{"job-id"}, {}},
       run_task_worker},
      {"task-resume-candidate",
       "task-resume-candidate [--json]",
       "The task whose Codex thread `task --resume` would continue.",
       {},
       run_task_resume_candidate},
      {"status",
       "status [JOB] [--all] [--json] [--wait [--timeout-ms N] [--poll-interval-ms N]]",
       "Show active and recent jobs of this workspace and session, or one job in full.",
       {{"timeout-ms", "poll-interval-ms"}, {"all", "wait"}},
       run_status},
      {"result",
       "result [JOB] [--json]",
       "Print the stored output of a finished job.",
       {},
       run_result},
      {"cancel",
       "cancel [JOB] [--json]",
       "Cancel an active job: interrupt the Codex turn, end its worker, mark it cancelled.",
       {},
       run_cancel},
      {"broker",
       "broker serve --endpoint unix:PATH [--pid-file F]",
       "Internal: the shared app-server broker daemon.",
       {{"endpoint", "pid-file"}, {}},
       run_broker},
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
  out += "\nEvery command takes --cwd DIR (-C DIR), --help and --version.\n";
  return out;
}

std::string current_dir() {
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return ".";
  return buf;
}

}  // namespace

int run_main(int argc, char** argv) {
  ::umask(077);
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_text(usage_text());
    return args.empty() ? 1 : 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    print_text("codex-companion " COMPANION_VERSION "\n");
    return 0;
  }
  const Command* cmd = nullptr;
  for (const auto& c : commands()) {
    if (c.name == args[0]) cmd = &c;
  }
  if (!cmd) {
    return fail("unknown command '" + args[0] + "'; run `codex-companion --help` for the list");
  }
  auto parsed = parse_arguments({args.begin() + 1, args.end()}, cmd->options);
  if (!parsed) return fail(parsed.error());
  if (parsed->flag("help")) {
    print_text("Usage: codex-companion " + std::string(cmd->usage) + "\n\n" +
               std::string(cmd->summary) + "\n");
    return 0;
  }
  if (parsed->flag("version")) {
    print_text("codex-companion " COMPANION_VERSION "\n");
    return 0;
  }
  Context ctx;
  ctx.command = std::string(cmd->name);
  ctx.args = std::move(*parsed);
  ctx.cwd = ctx.args.value("cwd").value_or(current_dir());
  ctx.session_id = env_value("CODEX_COMPANION_SESSION_ID");
  return cmd->run(ctx);
}

}  // namespace companion::cli
