#include "jobs/wait.h"

#include <algorithm>

namespace companion::jobs {

Result<WaitResult> wait_for_job(store::JobStore& store, store::Job job, int64_t timeout_ms,
                                int64_t poll_ms, const SettleEffects& effects) {
  constexpr int64_t kProbeMs = 5;
  sys::Env& env = store.env();
  const std::string lock = store.workspace().lock_path(job.id);
  int64_t deadline = env.monotonic_ms() + timeout_ms;
  int64_t next_read = env.monotonic_ms() + poll_ms;
  while (job.active()) {
    int64_t now = env.monotonic_ms();
    if (now >= deadline) return WaitResult{std::move(job), true};
    env.sleep_ms(std::min(kProbeMs, deadline - now));
    auto state = env.probe_lock(lock);
    bool owner_gone = state && *state != sys::LockState::kHeld;
    if (!owner_gone && env.monotonic_ms() < next_read) continue;
    next_read = env.monotonic_ms() + poll_ms;
    if (auto settled = settle(store, effects); !settled) return settled.error();
    auto fresh = store.get(job.id);
    if (!fresh) return fresh.error();
    if (!fresh->has_value()) {
      return store::missing_job_error(store, job.id,
                                      make_error("job {} was removed while waiting", job.id));
    }
    job = std::move(**fresh);
  }
  return WaitResult{std::move(job), false};
}

}  // namespace companion::jobs
