// How commands that Codex runs are shown and classified in progress reports.
#pragma once

#include <string>

namespace companion::codex {

// The command a shell wrapper runs: "/bin/bash -lc 'make test'" -> "make test". Anything that
// is not `<sh|bash|zsh|dash> -c|-lc <one word>` comes back trimmed but otherwise unchanged.
std::string display_command(const std::string& command);

// True for commands that test, build or lint (pytest, ctest, make test, npm test, cargo test,
// go test, tsc, eslint, ruff, ...), looking at the program of each simple command (after
// wrappers like env, npx, python -m): the job phase for them is "verifying".
bool is_verification_command(const std::string& command);

}  // namespace companion::codex
