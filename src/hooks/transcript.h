// Which Claude Code transcript `transfer` may hand to Codex, and how it is found.
//
// Claude Code writes one JSONL transcript per session under <config dir>/projects/<project>/
// (<config dir>: $CLAUDE_CONFIG_DIR, else ~/.claude; measured with Claude Code 2.1.332). Only a
// file there is a Claude Code session: anything else (a file elsewhere, a symlink inside that
// leads out, the projects directory itself) is refused before Codex is asked, so `transfer`
// cannot be used to make Codex read an arbitrary file. Codex 0.169.0 itself imports only from
// $HOME/.claude/projects (see codex/session_import.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sys/config.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::hooks {

// The directories transcripts may come from: $HOME/.claude/projects and, when CLAUDE_CONFIG_DIR
// is set elsewhere, <CLAUDE_CONFIG_DIR>/projects. Not resolved; empty entries left out.
std::vector<std::string> transcript_roots(const sys::Config& config);

struct TranscriptSource {
  std::string path;        // real path (symlinks resolved): what Codex is given
  std::string session_id;  // the file name without ".jsonl" (Claude Code's session id)
};

// Resolves `requested` (the --source value, else the session's transcript path; "~" and "~/"
// expand to `home`, a relative path is taken from `cwd`) and checks it: a .jsonl regular file
// whose real path lies inside the real path of one of `roots` (not the root itself). Errors, one
// line each: nothing requested (with how to pass --source), not .jsonl, missing, not a regular
// file, outside the roots ("... only from <roots>: <path>").
Result<TranscriptSource> resolve_transcript_source(sys::Env& env, std::string_view requested,
                                                   const std::string& cwd, const std::string& home,
                                                   const std::vector<std::string>& roots);

}  // namespace companion::hooks
