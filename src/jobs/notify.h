// The workspace's notify command (`config set notify CMD`): run once when a background job ends,
// however it ends, with the job's JSON (store::to_json) on stdin — for desktop notifications and
// the like.
//
// CMD is the user's own configuration (stored in their private job store by `config set`), not
// input from the repository: it runs as they wrote it. Words of plain characters run directly;
// anything a shell would interpret (quotes, $, |, ;, redirections, globs) runs through
// `/bin/sh -c CMD`. Whoever records the end starts a detached `notify-job` that runs it, bounded
// (kNotifyTimeoutMs, output kept up to kNotifyOutputBytes), so it never delays or changes the end;
// a failure or timeout is a line in the job's log, nothing more.
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

// Runs `command` (notify_argv) with `input_fd` as its stdin, in this process's working
// directory, for at most `timeout_ms`; returns the line that says what became of it, for the
// job's log ("Notify command ran.", "Notify command failed (exit code 3): …").
std::string run_notify_command(const std::string& command, int input_fd, int timeout_ms);

// When `store`'s workspace has a notify command and `id` is a background job that has ended:
// starts `executable notify-job --job-id ID` in its own session and returns without waiting for
// it. The notifier gets everything it needs from this process — the job's JSON on its stdin, the
// command in sys::kNotifyCommandVariable, the job's log opened for appending as its stderr, the
// workspace as its working directory ("/" once that is gone) — and never opens the store, so a
// job pruned or a workspace deleted meanwhile is still notified, and nothing is recreated.
// Called by whoever records a job's end (JobStore::Options::on_end: its worker, a reader that
// found the worker dead, `cancel`), so the command runs once per job however it ended. Never
// fails: a notifier that cannot start is a line in the job's log.
void start_notifier(store::JobStore& store, const std::string& id, const std::string& executable);

}  // namespace companion::jobs
