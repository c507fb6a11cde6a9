// The workspace's notify command (`config set notify CMD`): run when a background job ends, with
// the job's JSON (store::to_json) on stdin — for desktop notifications and the like.
//
// CMD is the user's own configuration (stored in their private job store by `config set`), not
// input from the repository: it runs as they wrote it. Words of plain characters run directly;
// anything a shell would interpret (quotes, $, |, ;, redirections, globs) runs through
// `/bin/sh -c CMD`. It is bounded — kNotifyTimeoutMs, output kept up to kNotifyOutputBytes — and
// runs after the job's end is recorded, so it never delays or changes it; a failure or timeout is
// a line in the job's log, nothing more.
#pragma once

#include <string>
#include <vector>

#include "store/job_store.h"

namespace companion::jobs {

inline constexpr int kNotifyTimeoutMs = 10000;
inline constexpr size_t kNotifyOutputBytes = 4096;

// The argv for CMD: its words when none needs a shell, else {"/bin/sh", "-c", CMD}.
std::vector<std::string> notify_argv(const std::string& command);

// The command line that runs `words` as they are: plain words kept, any other word single-quoted
// (`config set notify notify-send "Codex done"` stores `notify-send 'Codex done'`, not a command
// that has lost its quoting). Empty words are kept as ''.
std::string command_line_of(const std::vector<std::string>& words);

// Runs the notify command of `store`'s workspace, if one is set, for the ended job `id`, and logs
// what became of it in the job's log. Never fails: every error is logged.
void notify_job_end(store::JobStore& store, const std::string& id, int timeout_ms);

// When `store`'s workspace has a notify command and `id` is a background job that has ended:
// starts `executable notify-job --job-id ID` (which calls notify_job_end) in its own session,
// with no descriptor of the caller, and returns without waiting for it. Called by whoever records
// a job's end (JobStore::Options::on_end: its worker, a reader that found the worker dead,
// `cancel`), so the command runs once per job however it ended, and never delays that command.
// `state_root` is handed to the notifier (sys::kStateDirVariable). Never fails: a notifier that
// cannot start is a line in the job's log.
void start_notifier(store::JobStore& store, const std::string& id, const std::string& executable,
                    const std::string& state_root);

}  // namespace companion::jobs
