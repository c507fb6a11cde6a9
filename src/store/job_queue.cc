// The queue of background jobs waiting for a slot (JobStore::claim_queued and friends).
#include "store/job_log.h"
#include "store/job_store.h"
#include "store/schema.h"
#include "store/settings.h"

namespace companion::store {

namespace {

constexpr std::string_view kWaiting = "status = 'queued' AND pid = 0";
// A stop-gate review never takes a slot: it runs in the Stop hook, never waits, and must not
// delay the user's jobs.
constexpr std::string_view kSlotTaken =
    "(origin <> 'stop-gate' AND (status = 'running' OR (status = 'queued' AND pid <> 0)))";

}  // namespace

Result<size_t> JobStore::count(std::string_view where) {
  auto stmt = db_.prepare("SELECT count(*) FROM jobs WHERE " + std::string(where));
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return static_cast<size_t>(*row ? stmt->column_int(0) : 0);
}

Result<std::vector<Job>> JobStore::queue() {
  return select("WHERE " + std::string(kWaiting) + " ORDER BY rowid");
}

Result<bool> JobStore::finish_waiting(const std::string& id, const Terminal& terminal) {
  return finish_where(id, terminal, kWaiting);
}

Result<bool> JobStore::queue_ready() {
  auto waiting = count(kWaiting);
  if (!waiting) return waiting.error();
  if (*waiting == 0) return false;
  auto taken = count(kSlotTaken);
  if (!taken) return taken.error();
  auto limit = config(std::string(kMaxParallelKey));
  if (!limit) return limit.error();
  return *taken < max_parallel_from(*limit);
}

Result<std::optional<CreatedJob>> JobStore::claim_queued(size_t max_running) {
  if (read_only_) return *read_only_;
  std::optional<CreatedJob> claimed;
  Status done = with_write_transaction(db_, [&]() -> Status {
    auto taken = count(kSlotTaken);
    if (!taken) return taken.error();
    if (*taken >= max_running) return {};
    auto next = select("WHERE " + std::string(kWaiting) + " ORDER BY rowid LIMIT 1");
    if (!next) return next.error();
    if (next->empty()) return {};
    Job job = std::move(next->front());
    // A waiting job has no lock file; one left over (a crash while an earlier claim rolled back)
    // belongs to nobody: only a claimer inside this transaction touches it.
    const std::string lock_path = ws_.lock_path(job.id);
    auto state = env_->probe_lock(lock_path);
    if (!state) return state.error();
    if (*state == sys::LockState::kFree) (void)env_->remove_file(lock_path);
    auto lock = env_->create_locked_file(lock_path);
    if (!lock) return lock.error();
    job.pid = env_->self_pid();
    auto self = env_->process_info(static_cast<pid_t>(job.pid));
    job.pid_start_time = self ? self->start_time : 0;
    auto stmt = db_.prepare(
        "UPDATE jobs SET pid = ?2, pid_start_time = ?3, updated_at = ?4 WHERE id = ?1 AND " +
        std::string(kWaiting));
    if (!stmt) return stmt.error();
    stmt->bind(1, job.id).bind(2, job.pid).bind(3, static_cast<int64_t>(job.pid_start_time));
    stmt->bind(4, env_->now_ms());
    auto changed = stmt->run();
    if (!changed || *changed != 1) {
      (void)env_->remove_file(lock_path);
      return changed ? Status{} : Status(changed.error());
    }
    claimed = CreatedJob{std::move(job), std::move(*lock)};
    return {};
  });
  if (!done) {
    if (claimed) (void)env_->remove_file(ws_.lock_path(claimed->job.id));
    return done.error();
  }
  return claimed;
}

}  // namespace companion::store
