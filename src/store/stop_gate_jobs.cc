// The stop-gate reviews' admission (JobStore::create_stop_gate_review): one per session at a time.
#include "store/job_store.h"
#include "store/job_store_query.h"

namespace companion::store {

Result<std::variant<CreatedJob, Job>> JobStore::create_stop_gate_review(const NewJob& spec) {
  if (read_only_) return *read_only_;
  if (spec.origin != JobOrigin::kStopGate) return make_error("not a stop-gate review");
  std::variant<CreatedJob, Job> out;
  Status done = with_write_transaction(db_, [&]() -> Status {
    auto running = query(std::string("WHERE ") + std::string(kActiveJobs) +
                             " AND origin = 'stop-gate' AND session_id = ?1 LIMIT 1",
                         [&](Statement& st) { st.bind(1, spec.session_id); });
    if (!running) return running.error();
    if (!running->empty()) {
      out = std::move(running->front());
      return {};
    }
    auto created = insert_new(spec);
    if (!created) return created.error();
    out = std::move(*created);
    return {};
  });
  if (!done) {
    auto* created = std::get_if<CreatedJob>(&out);
    if (created != nullptr && !created->job.id.empty()) {
      (void)env_->remove_file(ws_.lock_path(created->job.id));
    }
    return done.error();
  }
  return Result<std::variant<CreatedJob, Job>>(std::move(out));
}

}  // namespace companion::store
