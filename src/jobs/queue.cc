#include "jobs/queue.h"

#include "jobs/notify.h"
#include "jobs/run_job.h"
#include "store/job_log.h"
#include "store/settings.h"
#include "sys/json_read.h"

namespace companion::jobs {

Result<size_t> max_parallel(store::JobStore& store) {
  auto stored = store.config(std::string(store::kMaxParallelKey));
  if (!stored) return stored.error();
  return store::max_parallel_from(*stored);
}

Result<std::vector<std::string>> waiting_ids(store::JobStore& store) {
  auto queue = store.queue();
  if (!queue) return queue.error();
  std::vector<std::string> ids;
  for (const auto& job : *queue) ids.push_back(job.id);
  return ids;
}

Result<std::vector<std::string>> promote_queued(store::JobStore& store,
                                                const WorkerLaunch& launch) {
  auto limit = max_parallel(store);
  if (!limit) return limit.error();
  std::vector<std::string> started;
  // Each pass claims one job or stops; a slot is taken per pass, so the loop is bounded.
  for (size_t pass = 0; pass < *limit; ++pass) {
    auto claimed = store.claim_queued(*limit);
    if (!claimed) return claimed.error();
    if (!claimed->has_value()) break;
    store::CreatedJob& job = **claimed;
    WorkerLaunch own = launch;
    if (auto codex = sys::json_string(job.job.request, kWorkerCodexField)) own.codex = *codex;
    (void)store::append_log_line(
        store.env(), job.job.log_file,
        "A slot is free (max-parallel " + std::to_string(*limit) + "): starting.");
    auto pid = launch_worker(store, job.job, job.lock.get(), own);
    if (!pid) {
      // Nobody else will record this end: its notify command runs here.
      if (give_up_job(store, job.job, pid.error().message)) {
        start_notifier(store, job.job.id, launch.executable);
      }
      continue;
    }
    started.push_back(job.job.id);
  }
  return started;
}

}  // namespace companion::jobs
