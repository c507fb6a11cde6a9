// Which Codex thread a task continues: `task --resume` (the latest resumable task of the
// workspace and session), `task --resume-thread ID` (a thread named exactly),
// `task-resume-candidate`, and `retry --resume` (the retried job's own thread).
//
// A Codex thread lives in the Codex home it was started under (initialize's `codexHome`, which a
// job records in `resolved.codexHome`, else the `codexHome` its request ran with); another home
// cannot resume it. `codex_home` below is this run's (CODEX_HOME, else ~/.codex); homes are
// compared as real paths (Env::real_path; a path that cannot be resolved is compared as given).
//
// Reads only: the store (as stored: settle it first) and real paths.
#pragma once

#include <optional>
#include <string>

#include "store/job_store.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::jobs {

// How many finished jobs, newest first, are looked through for a thread.
inline constexpr size_t kResumeLookback = 200;

// Why this run (Codex home `codex_home`) cannot continue `job`'s thread, as one phrase for a
// message ("job J's thread is stored in the Codex home H, not in this run's (R); run with
// CODEX_HOME=H to continue it"); "" when the job recorded this run's home.
std::string thread_elsewhere(sys::Env& env, const std::string& codex_home, const store::Job& job);

struct ResumeChoice {
  // The latest finished task of the filter's jobs with a Codex thread Codex keeps (a stop-gate
  // review's thread is ephemeral: nothing to resume) under this run's Codex home.
  std::optional<store::Job> candidate;
  // Why a newer task thread was passed over (thread_elsewhere), else empty.
  std::string passed_over;
};

// The resume candidate among the newest kResumeLookback finished jobs of `filter`. Errors: the
// store cannot be read.
Result<ResumeChoice> resume_candidate(store::JobStore& store, const store::JobFilter& filter,
                                      const std::string& codex_home);

// `task --resume`: the thread to continue. Errors (each a whole sentence for the user): a task of
// `filter` is still active (it must end or be cancelled first); no task thread can be resumed
// (the reference plugin's sentence, which scripts match, or why the newest was passed over).
Result<std::string> thread_to_resume(store::JobStore& store, const store::JobFilter& filter,
                                     const std::string& codex_home);

// `task --resume-thread ID`: refuses a thread that a job of this workspace ran under another Codex
// home (and none under this one); a thread no job recorded is Codex's to judge.
Status check_named_thread(store::JobStore& store, const std::string& codex_home,
                          const std::string& thread_id);

// `retry JOB --resume`: `job`'s own thread. Errors: not a task; no thread; another Codex home.
Result<std::string> retry_thread(sys::Env& env, const std::string& codex_home,
                                 const store::Job& job);

}  // namespace companion::jobs
