// A process-wide record of SIGINT/SIGTERM for a process that owns a job: the handlers only
// record the signal and make stop_fd() readable, so a stop request at any point of the job's
// life is neither lost nor fatal, and an event loop can watch for it (codex::run_turn takes
// stop_fd() as its stop source).
#pragma once

namespace companion::sys {

// Installs handlers for SIGINT and SIGTERM that record the signal and write one byte to the
// stop pipe. Idempotent; they stay installed for the life of the process.
void install_stop_handlers();

// True once SIGINT or SIGTERM arrived while the handlers were installed.
bool stop_requested();

// The read end of the stop pipe: readable (and staying readable) once a stop was requested.
// -1 before install_stop_handlers(). Close-on-exec, non-blocking; owned by this module.
int stop_fd();

}  // namespace companion::sys
