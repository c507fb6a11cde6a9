// The workspace's notify command (`config set notify CMD`): run once when a background job ends,
// however it ends, with the job's JSON (store::to_json) on stdin — for desktop notifications and
// the like.
//
// CMD is the user's own configuration (stored in their private job store by `config set`), not
// input from the repository: it runs as they wrote it, always through the shell, which reads it
// from its environment (sys::kNotifyCommandVariable; notify_argv is fixed), so the command text
// is in no process's argv, where every local user could read it (/proc/PID/cmdline, `ps`); only
// the programs it runs have their own arguments there, as any program does. Whoever records the
// end starts a detached `notify-job` that runs it, bounded (kNotifyTimeoutMs, output kept up to
// kNotifyOutputBytes), so it never delays or changes the end; a failure or timeout is a line in
// the job's log, nothing more.
#pragma once

#include <string>
#include <vector>

#include "store/job_store.h"
#include "sys/env.h"

namespace companion::jobs {

inline constexpr int kNotifyTimeoutMs = 10000;
inline constexpr size_t kNotifyOutputBytes = 4096;

// The argv that runs the notify command: {"/bin/sh", "-c", "eval
// \"$CODEX_COMPANION_NOTIFY_COMMAND\"", "codex-companion-notify"}, the same for every command (the
// command is in the environment).
std::vector<std::string> notify_argv();

// The command line that runs `words` as they are: plain words kept, any other word single-quoted
// (`config set notify notify-send "Codex done"` stores `notify-send 'Codex done'`, not a command
// that has lost its quoting). Empty words are kept as ''.
std::string command_line_of(const std::vector<std::string>& words);

// Runs `command` (through notify_argv, the command in its environment) with `input_fd` as its
// stdin, with the user's umask (sys::SpawnOptions::umask), in this process's working
// directory, for at most `timeout_ms`; returns the line that says what became of it, for the
// job's log ("Notify command ran.", "Notify command failed (exit code 3): …").
std::string run_notify_command(sys::Env& env, const std::string& command, int input_fd,
                               int timeout_ms);

// When `store`'s workspace has a notify command and `id` is a background job that has ended:
// starts `executable notify-job --job-id ID` in its own session and returns without waiting for
// it. The notifier gets everything it needs from this process — the job's JSON on its stdin, the
// command in sys::kNotifyCommandVariable, the job's log opened for appending as its stderr, the
// workspace as its working directory ("/" once that is gone) — and never opens the store, so a
// job pruned or a workspace deleted meanwhile is still notified, and nothing is recreated.
// Called by jobs::settle for each end recorded by whoever won it (its worker, a reader that found
// the worker dead, `cancel`), so the command runs once per job however it ended. Never
// fails: a notifier that cannot start is a line in the job's log.
void start_notifier(store::JobStore& store, const std::string& id, const std::string& executable);

}  // namespace companion::jobs
