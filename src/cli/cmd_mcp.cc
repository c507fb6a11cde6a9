// `mcp`: the same jobs as an MCP server over stdio (mcp/server.h, README "MCP server").
#include "cli/commands.h"
#include "jobs/launch.h"
#include "mcp/server.h"
#include "sys/config.h"

namespace companion::cli {

namespace {

// The longest a foreground tool call waits for its job before answering with the job id:
// CODEX_COMPANION_MCP_WAIT_MS (default 50 s, under the 60 s tool timeout common clients use).
constexpr int64_t kDefaultWaitMs = 50000;
constexpr int64_t kMaxWaitMs = 10 * 60 * 1000;

}  // namespace

int run_mcp(Context& ctx) {
  auto exe = jobs::self_executable();
  if (!exe) return fail("mcp: cannot find this program's own executable: " + exe.error().message);
  mcp::ServerOptions options;
  options.executable = *exe;
  options.cwd = ctx.cwd;
  options.version = COMPANION_VERSION;
  options.wait_ms = kDefaultWaitMs;
  if (auto text = ctx.env.get_var("CODEX_COMPANION_MCP_WAIT_MS"); text && !text->empty()) {
    auto wait = sys::parse_setting("CODEX_COMPANION_MCP_WAIT_MS", *text, {0, kMaxWaitMs});
    if (!wait) return fail(wait.error());
    options.wait_ms = *wait;
  }
  return mcp::serve(ctx.env, options);
}

}  // namespace companion::cli
