// `hook session-start|session-end|stop|user-prompt-submit|user-prompt-expansion`: Claude Code's
// hook entry points
// (plugin/hooks/hooks.json). The hook's JSON comes on stdin (a socket with Claude Code 2.1.332).
//
// A hook never fails the user's session: bad input, a store it cannot read, a Codex that is
// missing are one line on stderr and exit status 0. It never exits 2 (which would block the
// prompt or the stop with stderr as the reason); only {"decision":"block"} on stdout blocks.
#include <array>

#include "cli/commands.h"
#include "hooks/hook_input.h"
#include "hooks/notices.h"
#include "hooks/session.h"
#include "hooks/session_env.h"
#include "hooks/stop_hook.h"
#include "hooks/typed_arguments.h"
#include "sys/fs.h"
#include "sys/stop.h"

namespace companion::cli {

namespace {

// How long the hook's input may take to arrive (Claude Code writes it at once); SessionEnd's
// share of its 1.5 s budget is smaller.
constexpr int64_t kInputTimeoutMs = 2000;
constexpr int64_t kSessionEndInputTimeoutMs = 500;
constexpr int64_t kSessionEndBudgetMs = 1000;

// One line on stderr (as an error would be), and the hook allows whatever Claude Code was
// doing: exit status 0.
int hook_note(const std::string& message) {
  (void)fail(message);
  return 0;
}

// The session's directory: the hook input's cwd, else CLAUDE_PROJECT_DIR, else ours.
std::string hook_cwd(const Context& ctx, const hooks::HookInput& input) {
  if (!input.cwd.empty() && ctx.env.is_directory(input.cwd)) return input.cwd;
  if (ctx.config.claude_project_dir && ctx.env.is_directory(*ctx.config.claude_project_dir)) {
    return *ctx.config.claude_project_dir;
  }
  return ctx.cwd;
}

std::string session_of(const Context& ctx, const hooks::HookInput& input) {
  if (!input.session_id.empty()) return input.session_id;
  return ctx.session_id().value_or("");
}

// Rewrites our lines of the session's env file in place (hooks/session_env.h): whatever number of
// starts, resumes and compacts, the file holds them once, with this start's values.
int session_start(Context& ctx, const hooks::HookInput& input) {
  if (!ctx.config.claude_env_file) return 0;  // nothing to hand the session to
  std::string exports = hooks::session_exports(input);
  if (exports.empty()) return 0;
  auto retired = hooks::retired_export_lines(ctx.config.claude_plugin_data.value_or(""));
  bool broken = false;
  auto edit = [&](std::string_view file) {
    std::string out = hooks::with_session_exports(file, exports, retired);
    broken = out.find(exports) == std::string::npos;
    return out;
  };
  const std::string& path = *ctx.config.claude_env_file;
  if (auto s = ctx.env.rewrite_file(path, hooks::kMaxEnvFileBytes, 0600, edit); !s) {
    return hook_note("cannot export the session to CLAUDE_ENV_FILE: " + s.error().message);
  }
  if (broken) {
    return hook_note("left CLAUDE_ENV_FILE " + path +
                     " as it was: it ends inside a quoted string or a line continuation, so "
                     "no line added there would run");
  }
  return 0;
}

int session_end(Context& ctx, const hooks::HookInput& input) {
  // What the session's last prompt typed and nobody took goes with the session.
  if (std::string session = session_of(ctx, input); !session.empty()) {
    (void)hooks::clear_typed_arguments(ctx.env, ctx.config.state_root, session);
  }
  auto store = ctx.existing_store();
  if (!store) return hook_note("session-end cannot read the job store: " + store.error().message);
  if (*store == nullptr) return 0;  // no job ever ran here: no broker either
  if (auto s = hooks::ask_idle_broker_to_exit(**store, kSessionEndBudgetMs); !s) {
    return hook_note("session-end left the shared broker running: " + s.error().message);
  }
  return 0;
}

int stop(Context& ctx, const hooks::HookInput& input) {
  sys::install_stop_handlers();  // a review job may be owned by this process
  auto store = ctx.existing_store();
  if (!store) return hook_note("the stop hook cannot read the job store: " + store.error().message);
  if (*store != nullptr) {
    if (auto settled = settle(ctx, **store); !settled) {
      return hook_note("the stop hook cannot read the job store: " + settled.error().message);
    }
  }
  hooks::StopDecision d = hooks::run_stop_hook({input, ctx.config, *store, session_of(ctx, input)});
  // The review's end: retention keeps the newest stop-gate reviews only.
  if (*store != nullptr) (void)settle(ctx, **store);
  for (const auto& note : d.notes) (void)hook_note(note);
  if (d.block_reason) print_json({{"decision", "block"}, {"reason", *d.block_reason}});
  return 0;
}

// Every prompt first clears what an earlier prompt of the session stashed for a /codex: command
// (hooks/typed_arguments.h): a stash lives from the prompt that typed it to its command's call.
int user_prompt_submit(Context& ctx, const hooks::HookInput& input) {
  std::string session = session_of(ctx, input);
  if (session.empty()) return 0;  // jobs are announced to the session that launched them
  if (auto s = hooks::clear_typed_arguments(ctx.env, ctx.config.state_root, session); !s) {
    (void)hook_note("cannot clear the arguments of an earlier /codex: command: " +
                    s.error().message);
  }
  auto store = ctx.existing_store();
  if (!store) return hook_note("cannot read the job store: " + store.error().message);
  if (*store == nullptr) return 0;
  if (auto settled = settle(ctx, **store); !settled) {
    return hook_note("cannot read finished jobs: " + settled.error().message);
  }
  auto ended = (*store)->take_ended_announcements(session, hooks::kMaxNoticesPerPrompt);
  if (!ended) return hook_note("cannot read finished jobs: " + ended.error().message);
  nlohmann::json output = hooks::notices_output(*ended);
  if (!output.is_null()) print_json(output);
  return 0;
}

// A /codex: command the user typed: its arguments wait for the command's `slash` call. Prints
// nothing (Claude Code would add it to the model's context).
int user_prompt_expansion(Context& ctx, const hooks::HookInput& input) {
  if (input.expansion_type != "slash_command") return 0;
  auto command = hooks::plugin_command(input.command_name);
  if (!command) return 0;  // another plugin's command, or a built-in one
  std::string session = session_of(ctx, input);
  if (session.empty())
    return hook_note("/codex:" + *command +
                     ": no session id to keep its "
                     "arguments for; the command will ask to be run by hand");
  if (auto s = hooks::stash_typed_arguments(ctx.env, ctx.config.state_root, session, *command,
                                            input.command_args);
      !s) {
    return hook_note("cannot keep the arguments of /codex:" + *command + ": " + s.error().message);
  }
  return 0;
}

}  // namespace

int run_hook(Context& ctx) {
  auto event = ctx.args.positionals.size() == 1 ? hooks::parse_hook_event(ctx.args.positionals[0])
                                                : std::nullopt;
  if (!event) {
    return fail(
        "hook needs one event: session-start, session-end, stop, user-prompt-submit or "
        "user-prompt-expansion");
  }
  bool ending = *event == hooks::HookEvent::kSessionEnd;
  auto text = sys::read_stdin_within(hooks::kMaxHookInputBytes,
                                     ending ? kSessionEndInputTimeoutMs : kInputTimeoutMs);
  if (!text) return hook_note("hook input ignored: " + text.error().message);
  auto input = hooks::parse_hook_input(*text);
  if (!input) return hook_note(input.error().message + "; the hook did nothing");
  ctx.cwd = hook_cwd(ctx, *input);
  switch (*event) {
    case hooks::HookEvent::kSessionStart:
      return session_start(ctx, *input);
    case hooks::HookEvent::kSessionEnd:
      return session_end(ctx, *input);
    case hooks::HookEvent::kStop:
      return stop(ctx, *input);
    case hooks::HookEvent::kUserPromptSubmit:
      return user_prompt_submit(ctx, *input);
    case hooks::HookEvent::kUserPromptExpansion:
      return user_prompt_expansion(ctx, *input);
  }
  return 0;
}

}  // namespace companion::cli
