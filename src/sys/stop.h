// A process-wide record of SIGINT/SIGTERM for the spans of a job's life when no event loop is
// watching signals (before the Codex turn starts, and after it ends until the job's terminal
// state is stored), so a stop request there is not lost or fatal.
#pragma once

namespace companion::sys {

// Installs handlers for SIGINT and SIGTERM that only record the signal. Call again after an
// event loop that handled those signals restored their default action.
void install_stop_handlers();

// True once SIGINT or SIGTERM arrived while the handlers were installed.
bool stop_requested();

}  // namespace companion::sys
