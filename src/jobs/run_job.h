// Running one job in this process as a tracked job: the store and the log follow every step,
// the Codex turn's wait is bounded (codex::run_turn), and the job ends in exactly one terminal
// state whatever happens (first writer wins).
#pragma once

#include <string>

#include "codex/run_turn.h"
#include "jobs/outcome.h"
#include "jobs/request.h"
#include "store/job_store.h"

namespace companion::jobs {

struct RunOptions {
  bool echo_progress = false;  // also print "[codex] <line>" on stderr (foreground, not --json)
  codex::TurnLimits limits;
  codex::Connector connector;  // how the turn reaches Codex (default: a direct app-server)
};

// Turn limits from CODEX_COMPANION_TURN_STALL_MS and CODEX_COMPANION_JOB_TIMEOUT_MS.
Result<codex::TurnLimits> limits_from_environment();

struct JobRun {
  store::Job job;          // as stored at the end
  JobOutcome outcome;      // what this run produced (stored unless another writer won)
  std::string end_reason;  // the turn's end reason
};

// REQUIRES: this process holds the job's lock, and sys::install_stop_handlers() was called
// before the job was created (so a SIGINT/SIGTERM at any point ends the job as cancelled).
Result<JobRun> run_job(store::JobStore& store, const store::Job& job, const JobRequest& request,
                       const RunOptions& options);

}  // namespace companion::jobs
