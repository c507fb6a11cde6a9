#include "jobs/settle.h"

#include "jobs/notify.h"
#include "jobs/queue.h"
#include "jobs/write_task.h"

namespace companion::jobs {

namespace {

// Starts waiting jobs while slots are free; a cheap read first, so nothing is written when no
// job waits or no slot is free.
Status promote(store::JobStore& store, const SettleEffects& effects, Settled& out) {
  if (store.read_only() || effects.executable.empty()) return {};
  auto ready = store.queue_ready();
  if (!ready) return ready.error();
  if (!*ready) return {};
  WorkerLaunch launch{effects.executable, effects.state_root, ""};
  if (effects.codex) launch.codex = effects.codex();
  auto started = promote_queued(store, launch);
  if (!started) {
    // A store that cannot be written (a full disk, a read-only one) claimed nothing: the next
    // settle tries again, and the command says so itself where it writes.
    ErrorCode code = started.error().code;
    if (code == ErrorCode::kDiskFull || code == ErrorCode::kReadOnly) return {};
    return started.error();
  }
  out.started = std::move(*started);
  return {};
}

}  // namespace

Result<std::vector<std::string>> reconcile(store::JobStore& store) {
  auto gone = store.ownerless();
  if (!gone) return gone.error();
  sys::Env& env = store.env();
  for (const store::OwnerlessJob& g : *gone) {
    // A worker leads its own session; the app-server leads another, which holds the MCP servers
    // Codex started. Ended before the job is shown ended, so nothing of it outlives its end.
    (void)env.end_session(static_cast<pid_t>(g.job.pid), g.job.pid_start_time);
    (void)env.end_session(static_cast<pid_t>(g.job.app_server_pid), g.job.app_server_start_time);
  }
  return store.record_ownerless(*gone);
}

Result<Settled> settle(store::JobStore& store, const SettleEffects& effects,
                       const std::vector<std::string>& ended_here) {
  Settled out;
  auto ended = reconcile(store);
  if (!ended) return ended.error();
  out.ended = std::move(*ended);
  if (!effects.executable.empty()) {
    for (const std::string& id : out.ended) start_notifier(store, id, effects.executable);
    for (const std::string& id : ended_here) start_notifier(store, id, effects.executable);
  }
  if (auto pruned = store.prune()) {  // best effort: the next settle prunes again
    for (const store::Job& job : *pruned) {
      remove_job_worktree(store.env(), store.workspace(), job);
      out.pruned.push_back(job.id);
    }
  }
  if (auto promoted = promote(store, effects, out); !promoted) out.queue_error = promoted.error();
  return out;
}

}  // namespace companion::jobs
