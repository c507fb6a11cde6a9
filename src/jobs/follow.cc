#include "jobs/follow.h"

namespace companion::jobs {

namespace {

struct Follow {
  store::JobStore& store;
  store::Job job;
  int64_t offset = 0;  // bytes of the log already read
  store::LineSplitter splitter;
  const LineSink& sink;
  size_t chunk_bytes;
};

// Hands over what was appended to the log since `f.offset`.
void drain(Follow& f) {
  for (;;) {
    auto chunk = f.store.env().read_file_range(f.job.log_file, f.offset, f.chunk_bytes);
    if (!chunk || chunk->empty()) return;
    f.offset += static_cast<int64_t>(chunk->size());
    for (const auto& line : f.splitter.feed(*chunk)) f.sink(line);
  }
}

// Until the job is terminal (see the header).
Status until_ended(Follow& f, const SettleEffects& effects, const WaitForChange& wait_for_change,
                   const FollowOptions& options) {
  sys::Env& env = f.store.env();
  const std::string lock = f.store.workspace().lock_path(f.job.id);
  int64_t next_read = env.monotonic_ms() + options.store_read_ms;
  for (;;) {
    drain(f);
    if (!f.job.active()) return {};
    (void)wait_for_change(options.wake_ms);
    auto state = env.probe_lock(lock);
    bool owner_gone = state && *state != sys::LockState::kHeld;
    if (!owner_gone && env.monotonic_ms() < next_read) continue;
    next_read = env.monotonic_ms() + options.store_read_ms;
    if (auto settled = settle(f.store, effects); !settled) return settled.error();
    auto fresh = f.store.get(f.job.id);
    if (!fresh) return fresh.error();
    if (!fresh->has_value()) {
      return store::missing_job_error(f.store, f.job.id,
                                      make_error("job {} was removed while following", f.job.id));
    }
    f.job = std::move(**fresh);
  }
}

}  // namespace

Result<store::Job> follow_job(store::JobStore& store, store::Job job, int64_t offset,
                              store::LineSplitter splitter, const SettleEffects& effects,
                              const WaitForChange& wait_for_change, const LineSink& sink,
                              const FollowOptions& options) {
  Follow f{store, std::move(job), offset, std::move(splitter), sink, options.chunk_bytes};
  COMPANION_TRY(until_ended(f, effects, wait_for_change, options));
  // The owner writes its last lines just after the terminal state: take them until the log has
  // been quiet for a moment, within a bound.
  sys::Env& env = store.env();
  for (int64_t until = env.monotonic_ms() + options.quiet_bound_ms; env.monotonic_ms() < until;) {
    bool changed = wait_for_change(options.quiet_ms);
    int64_t before = f.offset;
    drain(f);
    if (!changed && f.offset == before) break;  // quiet for quiet_ms
  }
  if (std::string rest = f.splitter.take_rest(); !rest.empty()) sink(rest);
  return std::move(f.job);
}

}  // namespace companion::jobs
