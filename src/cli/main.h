#pragma once

namespace companion::cli {
// Entry point of the binary: parses argv, runs one command, returns the exit status.
int run_main(int argc, char** argv);
}  // namespace companion::cli
