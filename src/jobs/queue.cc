#include "jobs/queue.h"

#include "codex/rate_limits.h"
#include "jobs/notify.h"
#include "jobs/run_job.h"
#include "store/job_log.h"
#include "store/settings.h"
#include "sys/clock.h"
#include "sys/json_read.h"

namespace companion::jobs {

Result<size_t> max_parallel(store::JobStore& store) {
  auto stored = store.config(std::string(store::kMaxParallelKey));
  if (!stored) return stored.error();
  return store::max_parallel_from(*stored);
}

Result<std::optional<std::string>> queue_hold(store::JobStore& store) {
  auto state = store.queue_state();
  if (!state) return state.error();
  if (state->paused()) {
    return std::optional<std::string>("paused since " + sys::iso_time(state->paused_at) +
                                      " (`queue resume` starts it again)");
  }
  if (state->rate_limited(store.env().now_ms())) {
    return std::optional<std::string>("a Codex usage limit is reached until " +
                                      sys::iso_time(state->rate_limited_until));
  }
  return std::optional<std::string>();
}

Result<nlohmann::json> queue_report(store::JobStore& store) {
  auto state = store.queue_state();
  if (!state) return state.error();
  auto waiting = store.queue();
  if (!waiting) return waiting.error();
  auto hold = queue_hold(store);
  if (!hold) return hold.error();
  auto time_or_null = [](int64_t ms) {
    return ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(sys::iso_time(ms));
  };
  bool limited = state->rate_limited(store.env().now_ms());
  return nlohmann::json{
      {"paused", state->paused()},
      {"pausedAt", time_or_null(state->paused_at)},
      {"waiting", waiting->size()},
      {"hold", *hold ? nlohmann::json(**hold) : nlohmann::json(nullptr)},
      {"rateLimitedUntil", time_or_null(limited ? state->rate_limited_until : 0)}};
}

nlohmann::json usage_limits_report(const store::QueueState& state, int64_t now_ms) {
  if (!state.rate_limits.is_object()) return nullptr;
  bool limited = state.rate_limited(now_ms);
  return {{"windows", codex::rate_limit_windows(state.rate_limits)},
          {"recordedAt", state.rate_limits_at ? nlohmann::json(sys::iso_time(state.rate_limits_at))
                                              : nlohmann::json(nullptr)},
          {"exhaustedUntil", limited ? nlohmann::json(sys::iso_time(state.rate_limited_until))
                                     : nlohmann::json(nullptr)}};
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
  // A held queue starts nothing; its waiting jobs stay queued, running ones go on.
  auto hold = queue_hold(store);
  if (!hold) return hold.error();
  if (hold->has_value()) return std::vector<std::string>();
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
