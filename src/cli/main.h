#pragma once

#include <functional>

namespace companion::cli {

// Entry point of the binary: parses argv, runs one command, returns the exit status. Never
// throws: see guarded().
int run_main(int argc, char** argv);

// Runs `body`; an exception that escapes it becomes one "codex-companion: internal error: …"
// line on stderr and exit status 1, never an abort.
int guarded(const std::function<int()>& body);

}  // namespace companion::cli
