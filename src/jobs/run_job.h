// Running one job in this process as a tracked job: the store and the log follow every step,
// the Codex turn's wait is bounded (codex::run_turn), nothing the job started outlives it, and
// the job ends in exactly one terminal state whatever happens (first writer wins).
#pragma once

#include <string>

#include "codex/run_turn.h"
#include "jobs/outcome.h"
#include "jobs/request.h"
#include "store/job_store.h"
#include "sys/config.h"

namespace companion::jobs {

struct RunOptions {
  bool echo_progress = false;  // also print "[codex] <line>" on stderr (foreground, not --json)
  codex::TurnLimits limits;
  codex::CodexCommand codex;   // the Codex CLI, resolved once (codex::resolve_codex)
  codex::Connector connector;  // how the turn reaches Codex (default: a direct app-server)
};

// Turn limits from the configuration (CODEX_COMPANION_TURN_STALL_MS, _JOB_TIMEOUT_MS), with
// interrupt and stop steps short enough for a cancelled worker to finish before it is killed.
codex::TurnLimits limits_from(const sys::Config& config);

struct JobRun {
  store::Job job;           // as stored at the end
  JobOutcome outcome;       // what this run produced (stored unless another writer won)
  bool ended_here = false;  // this run recorded the end (for jobs::settle's `ended_here`)
};

// Starts the queued job (queued → running), runs its turn, ends every process it left behind
// (this process is made the reaper of its orphaned descendants first), and records the outcome.
// A job that was asked to cancel before it started ends cancelled without starting Codex.
// Starts nothing else: the end's effects (notify, retention, the queue) are the caller's
// (jobs::settle with JobRun::ended_here).
// REQUIRES: this process holds the job's lock, and sys::install_stop_handlers() was called
// before the job was created (so a SIGINT/SIGTERM at any point ends the job as cancelled).
Result<JobRun> run_job(store::JobStore& store, const store::Job& job, const JobRequest& request,
                       const RunOptions& options);

// Ends a job that cannot be run at all (its request is unreadable, its worker cannot start):
// logs why and records it failed (EndReason::kError). Whoever ended it first wins: true when
// this call did (its end is then the caller's to settle).
bool give_up_job(store::JobStore& store, const store::Job& job, const std::string& why);

}  // namespace companion::jobs
