// Finding the Codex CLI to run: $CODEX_COMPANION_CODEX, else `codex` on PATH, resolved once to an
// absolute path (a background worker is handed that path, never a name to look up again).
//
// The npm package installs `codex` as a Node.js launcher (bin/codex.js) for a native binary in a
// platform package. Where Node lacks process.execve (Node < 22.15), the launcher stays as the
// parent of the native process for its whole life (~44 MiB, ~80 ms more startup, measured with
// codex-cli 0.169.0). When the resolved program is that launcher and the install is a plain npm
// one, we run the native binary directly with the environment the launcher would give it
// (CODEX_MANAGED_PACKAGE_ROOT, CODEX_MANAGED_BY_NPM=1). Installs the launcher would treat
// differently (pnpm, bun, vite-plus, or CODEX_MANAGED_BY_* already set) keep the launcher.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sys/config.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::codex {

struct CodexCommand {
  std::string program;                                   // the executable to run (absolute)
  std::vector<std::pair<std::string, std::string>> env;  // set on top of ours
  std::string launcher;  // the npm launcher that was bypassed, else empty
};

// The arguments `codex app-server` is started with, after the program: every setting we pass on
// the command line (none: every run's choices go in its requests). Part of a broker's identity
// (codex/identity.h).
std::vector<std::string> app_server_arguments();

// Resolves the Codex CLI. The error is the one-line message for the user, e.g.
// "Codex CLI not found (looked for `codex` on PATH); install it with `npm install -g
// @openai/codex` or set CODEX_COMPANION_CODEX".
Result<CodexCommand> resolve_codex(sys::Env& env, const sys::Config& config);

// The part of resolve_codex() after the program was found: bypasses the npm launcher when it is
// safe (see above). `program` is an absolute path to an existing executable.
CodexCommand direct_codex_command(sys::Env& env, const std::string& program,
                                  const sys::Config& config);

}  // namespace companion::codex
