// `transfer [--source PATH] [--json]`: hands a Claude Code session to Codex (hooks/transfer.h).
#include "cli/commands.h"
#include "hooks/transfer.h"
#include "sys/fs.h"

namespace companion::cli {

int run_transfer(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return fail("transfer takes no text; name the transcript with --source <path to .jsonl>");
  }
  auto cwd = ctx.env.real_path(ctx.cwd);
  if (!cwd) return fail(cwd.error());
  std::string requested =
      ctx.args.value("source").value_or(ctx.config.transcript_path.value_or(""));
  auto source = hooks::resolve_transcript_source(ctx.env, requested, *cwd, ctx.config.home,
                                                 hooks::transcript_roots(ctx.config));
  if (!source) return fail(source.error());
  auto done = hooks::transfer_session(ctx.env, ctx.config, *source, *cwd);
  if (!done) return fail(done.error());
  std::string resume = "codex resume " + done->thread_id;
  if (ctx.json()) {
    print_json({{"threadId", done->thread_id},
                {"resumeCommand", resume},
                {"sourcePath", done->source_path},
                {"sessionId", done->session_id}});
  } else {
    print_text(
        fmt::format("Transferred the Claude Code session to Codex, with the conversation so far.\n"
                    "Codex session ID: {}\nResume in Codex: {}\n",
                    done->thread_id, resume));
  }
  return 0;
}

}  // namespace companion::cli
