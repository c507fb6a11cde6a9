// Starting queued background jobs as slots free up (SPEC.md: `config set max-parallel N`).
//
// No daemon runs the queue: every command settles the store (jobs::settle: the launcher, a
// finishing worker, any command that reads jobs), which calls promote_queued, which
// claims waiting jobs oldest first (JobStore::claim_queued, one write transaction each) while
// fewer than the workspace's max-parallel jobs hold a slot, and hands each one's lock to a new
// worker. Exactly one worker per job: the claim is a compare-and-set, and the worker's own
// queued → running start is another (JobStore::start).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jobs/launch.h"
#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

// The workspace's max-parallel limit (store/settings.h default when unset).
Result<size_t> max_parallel(store::JobStore& store);

// Why the queue starts nothing now, as a phrase ("paused since <time> (…)", "a Codex usage limit
// is reached until <time>"), or nullopt when it runs. Errors: SQLite.
Result<std::optional<std::string>> queue_hold(store::JobStore& store);

// The queue as `queue` and `status` show it: {paused, pausedAt (ISO time|null), waiting (how many
// wait for a slot), hold (queue_hold's phrase|null), rateLimitedUntil (ISO time|null: an exhausted
// usage window that has not reset yet)}. Errors: SQLite.
Result<nlohmann::json> queue_report(store::JobStore& store);

// The account's usage windows as the workspace's jobs last saw them (store::QueueState):
// {windows: [{name, usedPercent, windowDurationMins, resetsAt}], recordedAt (ISO time),
// exhaustedUntil (ISO time|null: a used-up window that has not reset by `now_ms`)}; null when no
// job has seen any.
nlohmann::json usage_limits_report(const store::QueueState& state, int64_t now_ms);

// Starts waiting jobs while slots are free and the queue is not held (queue_hold: `queue pause`,
// an exhausted usage window); returns the ids of the jobs started. A job whose worker cannot be
// started ends failed (never left claimed without an owner), and its notify command runs
// (jobs::start_notifier with `launch.executable`). `launch.codex` is
// used for a job whose request does not name the Codex CLI its launcher checked
// (request.workerCodex).
Result<std::vector<std::string>> promote_queued(store::JobStore& store, const WorkerLaunch& launch);

// The ids of the jobs waiting for a slot, next to start first (JobStore::queue); a job's
// position is store::queue_position of these. Errors: SQLite.
Result<std::vector<std::string>> waiting_ids(store::JobStore& store);

// The request field naming the Codex CLI the launcher resolved, for a worker started later by
// another process.
inline constexpr const char* kWorkerCodexField = "workerCodex";

}  // namespace companion::jobs
