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

// Runs the notify command of `store`'s workspace, if one is set, for the ended job `id`, and logs
// what became of it in the job's log. Never fails: every error is logged.
void notify_job_end(store::JobStore& store, const std::string& id, int timeout_ms);

}  // namespace companion::jobs
