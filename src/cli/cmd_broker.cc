// `broker serve --endpoint unix:PATH [--pid-file F]`: internal, the shared app-server broker.
#include <cstdio>

#include "broker/serve.h"
#include "cli/commands.h"
#include "store/workspace.h"
#include "sys/clock.h"

namespace companion::cli {

namespace {

constexpr int64_t kDefaultIdleMs = 10 * 60 * 1000;

void log_line(std::string_view line) {
  std::string text = sys::iso_time(sys::now_ms()) + " codex-companion broker: ";
  for (char c : line) text.push_back(c == '\n' ? ' ' : c);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

int serve(Context& ctx) {
  auto endpoint = ctx.args.value("endpoint");
  if (!endpoint) return fail("broker serve needs --endpoint unix:<absolute socket path>");
  broker::ServeOptions options;
  options.endpoint = *endpoint;
  options.pid_file = ctx.args.value("pid-file").value_or("");
  options.idle_ms = kDefaultIdleMs;
  if (auto idle = env_value("CODEX_COMPANION_BROKER_IDLE_MS")) {
    auto ms = sys::parse_duration_ms(*idle, 1);
    if (!ms) {
      return fail(fmt::format(
          "CODEX_COMPANION_BROKER_IDLE_MS must be a number of milliseconds between 1 and {} "
          "(30 days), not '{}'",
          sys::kMaxDurationMs, *idle));
    }
    options.idle_ms = *ms;
  }
  auto workspace = store::resolve_workspace(ctx.cwd);
  options.cwd = workspace ? workspace->root : ctx.cwd;
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
