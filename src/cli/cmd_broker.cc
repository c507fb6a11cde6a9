// `broker serve --endpoint unix:PATH [--pid-file F]`: internal, the shared app-server broker.
#include "broker/serve.h"
#include "cli/commands.h"
#include "codex/codex_binary.h"
#include "store/workspace.h"
#include "sys/clock.h"

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
  auto code = broker::serve(options);
  if (!code) return fail(code.error());
  return *code;
}

}  // namespace

int run_broker(Context& ctx) {
  const auto& words = ctx.args.positionals;
  std::string sub = words.empty() ? "" : words[0];
  if (sub == "serve" && words.size() == 1) return serve(ctx);
  return fail("usage: codex-companion broker serve --endpoint unix:PATH [--pid-file F]");
}

}  // namespace companion::cli
