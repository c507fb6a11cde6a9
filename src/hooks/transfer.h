// `transfer`: hands a Claude Code session to Codex as a thread the user can resume there
// (`codex resume <id>`), through Codex's own importer (codex/session_import.h).
#pragma once

#include <cstdint>
#include <string>

#include "hooks/transcript.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::hooks {

// The longest wait for Codex to finish an import (the reference plugin's bound); shortened to
// CODEX_COMPANION_TURN_STALL_MS when that is smaller (a Codex silent that long is stuck).
inline constexpr int64_t kTransferTimeoutMs = 2 * 60 * 1000;

struct Transfer {
  std::string thread_id;
  std::string source_path;  // the transcript's real path
  std::string session_id;   // Claude Code's session id (the transcript's name)
};

// Imports `source` with a direct app-server started in `cwd` (the thread's working directory)
// and finds the thread it became: in the completion notification, else in Codex's import ledger
// (an unchanged transcript imported before completes with no result; its thread is there).
// Errors, one line each: Codex missing; a Codex without the import method ("... does not support
// Claude session transfer ... npm install -g @openai/codex@latest ..."); Codex refusing, exiting
// or not finishing in time; an import that names no thread ("... did not record an imported
// thread ..." with Codex's failure messages when it gave any); a thread id that is not a plain id
// (sys::is_codex_id: it would be printed inside `codex resume <id>`), never shown.
Result<Transfer> transfer_session(sys::Env& env, const sys::Config& config,
                                  const TranscriptSource& source, const std::string& cwd);

}  // namespace companion::hooks
