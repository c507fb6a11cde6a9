#include "store/job_store.h"

#include <algorithm>

#include "store/job_id.h"
#include "store/job_log.h"
#include "store/job_store_query.h"
#include "store/schema.h"
#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::store {

namespace {

// `job` as `t` ends it, in memory only: the end could not be written, for the reason `why`.
Job ended_unrecorded(Job job, const Terminal& t, const Error& why, int64_t now) {
  job.status = t.status;
  job.phase = terminal_phase(t.status);
  job.end_reason = t.end_reason;
  job.error_message = fmt::format("{} (Not recorded yet: {}.)", t.error_message, why.message);
  job.updated_at = job.completed_at = now;
  return job;
}

// The order of every list: updated_at DESC, id DESC.
void sort_newest_first(std::vector<Job>& jobs) {
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return a.updated_at != b.updated_at ? a.updated_at > b.updated_at : a.id > b.id;
  });
}

}  // namespace

Result<JobStore> JobStore::open(const Workspace& ws, sys::Env& env, const Options& options) {
  COMPANION_TRY(prepare_workspace_dirs(env, ws));
  // A FIFO or symlink planted where the database belongs must not block or redirect SQLite.
  for (const std::string& path : {ws.db_path(), ws.db_path() + "-wal", ws.db_path() + "-shm"}) {
    if (!env.regular_or_missing(path)) {
      return make_error("refusing the job store: {} is not a regular file; remove it", path);
    }
  }
  // SQLite gives its -wal and -shm files the mode of the database file: create it 0600 first.
  if (!env.path_exists(ws.db_path())) COMPANION_TRY(env.append_file(ws.db_path(), ""));
  auto store = open_writable(ws, env, options);
  if (store) return store;
  // The failed connection is closed by now, so the reader does not share its -shm mapping.
  auto reader = open_read_only(ws, env, options, store.error());
  if (!reader) return store.error();  // the first cause is the one to report
  return reader;
}

Result<JobStore> JobStore::open_writable(const Workspace& ws, sys::Env& env,
                                         const Options& options) {
  auto db = Database::open(env, ws.db_path(), /*create=*/true, options.busy_timeout_ms);
  if (!db) return db.error();
  JobStore store(ws, env, std::move(*db), options);
  // WAL with synchronous=NORMAL: a committed transaction survives any process crash (kill -9);
  // only a power loss can roll back the last ones, and never corrupts the store.
  COMPANION_TRY(store.db_.exec("PRAGMA synchronous=NORMAL"));
  COMPANION_TRY(migrate_schema(store.db_));
  return store;
}

Result<JobStore> JobStore::open_read_only(const Workspace& ws, sys::Env& env,
                                          const Options& options, const Error& why) {
  auto db = Database::open_read_only(env, ws.db_path(), options.busy_timeout_ms);
  if (!db) return db.error();
  JobStore store(ws, env, std::move(*db), options);
  store.read_only_ = why;
  COMPANION_TRY(check_schema_readable(store.db_));
  return store;
}

Result<std::optional<JobStore>> JobStore::open_existing(const Workspace& ws, sys::Env& env,
                                                        const Options& options) {
  if (!env.path_exists(ws.db_path())) return std::optional<JobStore>();
  auto store = open(ws, env, options);
  if (!store) return store.error();
  return std::optional<JobStore>(std::move(*store));
}

Result<std::vector<Job>> JobStore::select(std::string_view tail) {
  return query(tail, [](Statement&) {});
}

Result<CreatedJob> JobStore::create(const NewJob& spec) {
  if (read_only_) return *read_only_;
  return insert_new(spec);
}

Result<CreatedJob> JobStore::insert_new(const NewJob& spec) {
  int64_t now = env_->now_ms();
  Job job;
  job.id = new_job_id(id_prefix(spec.kind), now);
  job.kind = spec.kind;
  job.title = spec.title;
  job.summary = spec.summary;
  job.workspace_root = ws_.root;
  job.session_id = spec.session_id;
  job.pid = env_->self_pid();
  auto self = env_->process_info(static_cast<pid_t>(job.pid));
  job.pid_start_time = self ? self->start_time : 0;
  job.created_at = job.updated_at = now;
  job.log_file = ws_.log_path(job.id);
  job.write = spec.write;
  job.request = spec.request;
  job.origin = spec.origin;
  // The reference plugin's stored request names its job; workers and scripts read it back.
  if (job.request.is_object()) job.request["jobId"] = job.id;
  if (spec.wait_for_slot) {  // no owner until claimed
    job.pid = 0;
    job.pid_start_time = 0;
  }
  sys::UniqueFd lock;
  if (!spec.wait_for_slot) {
    auto locked = env_->create_locked_file(ws_.lock_path(job.id));
    if (!locked) return locked.error();
    lock = std::move(*locked);
  }
  auto stmt = db_.prepare(
      "INSERT INTO jobs(id, kind, title, summary, status, phase, workspace_root, session_id, pid, "
      "pid_start_time, created_at, updated_at, log_file, write, request, announce, origin) "
      "VALUES (?,?,?,?,'queued','queued',?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt) return stmt.error();
  stmt->bind(1, job.id).bind(2, to_string(job.kind)).bind(3, job.title).bind(4, job.summary);
  stmt->bind(5, job.workspace_root).bind(6, job.session_id).bind(7, job.pid);
  stmt->bind(8, static_cast<int64_t>(job.pid_start_time)).bind(9, now).bind(10, now);
  stmt->bind(11, job.log_file).bind(12, int64_t{job.write ? 1 : 0});
  if (job.request.is_null()) {
    stmt->bind_null(13);
  } else {
    stmt->bind(13, json_column(job.request));
  }
  stmt->bind(14, int64_t{spec.announce_end ? 1 : 0}).bind(15, to_string(spec.origin));
  if (auto done = stmt->run(); !done) {
    if (!spec.wait_for_slot) (void)env_->remove_file(ws_.lock_path(job.id));
    return done.error();
  }
  (void)append_log_line(*env_, job.log_file,
                        fmt::format("Job {} created ({}).", job.id, job.title));
  return CreatedJob{std::move(job), std::move(lock)};
}

Result<bool> JobStore::start(const std::string& id, const StartInfo& owner) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      "UPDATE jobs SET status = 'running', phase = 'starting', started_at = ?1, updated_at = ?1, "
      "pid = ?3, pid_start_time = ?4 WHERE id = ?2 AND status = 'queued' AND pid <> 0");
  if (!stmt) return stmt.error();
  stmt->bind(1, env_->now_ms()).bind(2, id).bind(3, owner.pid);
  stmt->bind(4, static_cast<int64_t>(owner.pid_start_time));
  auto changed = stmt->run();
  if (!changed) return changed.error();
  return *changed == 1;
}

Result<bool> JobStore::update(const std::string& id, const JobPatch& patch) {
  if (read_only_) return *read_only_;
  std::string sql = "UPDATE jobs SET updated_at = ?1";
  if (patch.phase) sql += ", phase = ?3";
  if (patch.thread_id) sql += ", thread_id = ?4";
  if (patch.turn_id) sql += ", turn_id = ?5";
  if (patch.title) sql += ", title = ?6";
  if (patch.summary) sql += ", summary = ?7";
  if (patch.pid) sql += ", pid = ?8";
  if (patch.pid_start_time) sql += ", pid_start_time = ?9";
  if (patch.app_server_pid) sql += ", app_server_pid = ?10, app_server_start_time = ?11";
  if (patch.request_cancel) sql += ", cancel_requested = 1";
  if (patch.turn_interrupted) {
    sql += ", turn_interrupt = 2";
  } else if (patch.turn_interrupt_attempted) {
    sql += ", turn_interrupt = max(turn_interrupt, 1)";
  }
  if (patch.token_usage) sql += ", token_usage = ?12";
  if (patch.resolved) sql += ", resolved = ?13";
  sql.append(" WHERE id = ?2 AND ").append(kActiveJobs);
  auto stmt = db_.prepare(sql);
  if (!stmt) return stmt.error();
  stmt->bind(1, env_->now_ms()).bind(2, id);
  if (patch.phase) stmt->bind(3, to_string(*patch.phase));
  if (patch.thread_id) stmt->bind(4, *patch.thread_id);
  if (patch.turn_id) stmt->bind(5, *patch.turn_id);
  if (patch.title) stmt->bind(6, *patch.title);
  if (patch.summary) stmt->bind(7, *patch.summary);
  if (patch.pid) stmt->bind(8, *patch.pid);
  if (patch.pid_start_time) stmt->bind(9, static_cast<int64_t>(*patch.pid_start_time));
  if (patch.app_server_pid) {
    stmt->bind(10, *patch.app_server_pid);
    stmt->bind(11, static_cast<int64_t>(patch.app_server_start_time.value_or(0)));
  }
  if (patch.token_usage) stmt->bind(12, json_column(*patch.token_usage));
  if (patch.resolved) stmt->bind(13, json_column(*patch.resolved));
  auto changed = stmt->run();
  if (!changed) return changed.error();
  return *changed == 1;
}

Result<bool> JobStore::finish(const std::string& id, const Terminal& t) {
  return finish_where(id, t, kActiveJobs);
}

Result<bool> JobStore::finish_where(const std::string& id, const Terminal& t,
                                    std::string_view condition) {
  if (!is_terminal(t.status)) return make_error("finish() needs a terminal status");
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      std::string(
          "UPDATE jobs SET status = ?2, phase = ?3, end_reason = ?4, error_message = ?5, "
          "result = coalesce(?6, result), rendered = ?7, updated_at = ?8, completed_at = ?8, "
          "summary = coalesce(nullif(?9, ''), summary) WHERE id = ?1 AND ") +
      std::string(condition));
  if (!stmt) return stmt.error();
  stmt->bind(1, id).bind(2, to_string(t.status)).bind(3, to_string(terminal_phase(t.status)));
  stmt->bind(4, to_string(t.end_reason)).bind(5, t.error_message);
  if (t.result.is_null()) {
    stmt->bind_null(6);
  } else {
    stmt->bind(6, json_column(t.result));
  }
  stmt->bind(7, t.rendered).bind(8, env_->now_ms()).bind(9, t.summary);
  auto changed = stmt->run();
  if (!changed) return changed.error();
  if (*changed != 1) return false;
  (void)env_->remove_file(ws_.lock_path(id));
  (void)env_->remove_file(ws_.cancel_path(id));
  return true;
}

Result<std::vector<OwnerlessJob>> JobStore::ownerless() {
  auto jobs = query(std::string("WHERE ") + std::string(kActiveJobs), [](Statement&) {});
  if (!jobs) return jobs.error();
  std::vector<OwnerlessJob> gone;
  for (Job& job : *jobs) {
    if (job.waiting()) continue;              // no owner yet, by design: it waits for a slot
    if (!validate_job_ref(job.id)) continue;  // not a row this store wrote: leave it alone
    auto state = env_->probe_lock(ws_.lock_path(job.id));
    if (!state) return state.error();
    if (*state == sys::LockState::kHeld) continue;
    bool missing = *state == sys::LockState::kMissing;
    if (missing && job.pid_start_time != 0 &&
        env_->process_matches(static_cast<pid_t>(job.pid), job.pid_start_time)) {
      continue;  // the lock file was removed under a live owner: trust its identity instead
    }
    gone.push_back(OwnerlessJob{std::move(job), missing});
  }
  return gone;
}

Result<std::vector<std::string>> JobStore::record_ownerless(const std::vector<OwnerlessJob>& gone) {
  unrecorded_.clear();
  std::vector<std::string> ended;
  for (const OwnerlessJob& job : gone) {
    auto recorded = record_owner_gone(job);
    if (!recorded) return recorded.error();
    if (*recorded) ended.push_back(job.job.id);
  }
  return ended;
}

Result<bool> JobStore::record_owner_gone(const OwnerlessJob& gone) {
  const Job& job = gone.job;
  bool cancel_requested = job.cancel_requested || env_->path_exists(ws_.cancel_path(job.id));
  Terminal t =
      cancel_requested
          // The owner was told to stop and is gone: the cancel asked for is what happened.
          ? make_terminal(EndReason::kCancelled, "Cancelled by user.")
          : make_terminal(EndReason::kWorkerDied,
                          fmt::format("Worker exited unexpectedly (pid {}).{}", job.pid,
                                      gone.lock_missing ? " Its job lock is missing." : ""));
  auto won = finish(job.id, t);
  if (!won) {
    // The end cannot be written (a full or read-only disk): reads still show the job as it is,
    // ended, saying so; the next record_ownerless able to write records it. The lock file and
    // the log stay as they are until then.
    unrecorded_.emplace(job.id, ended_unrecorded(job, t, won.error(), env_->now_ms()));
    return false;
  }
  if (*won) {
    (void)append_log_line(*env_, ws_.log_path(job.id),
                          t.error_message + " Marked " + std::string(to_string(t.status)) + ".");
  }
  return won;
}

void JobStore::show_unrecorded(std::vector<Job>& jobs) const {
  for (Job& job : jobs) {
    auto it = unrecorded_.find(job.id);
    if (it != unrecorded_.end() && job.active()) job = it->second;
  }
}

Result<std::optional<Job>> JobStore::get(const std::string& id) {
  auto found = row(id);
  if (found && found->has_value() && !unrecorded_.empty()) {
    std::vector<Job> one{std::move(**found)};
    show_unrecorded(one);
    return std::optional<Job>(std::move(one.front()));
  }
  return found;
}

Result<std::vector<Job>> JobStore::with_prefix(const std::string& prefix, size_t limit) {
  auto jobs = query("WHERE substr(id, 1, ?2) = ?1 ORDER BY updated_at DESC, id DESC LIMIT ?3",
                    [&](Statement& s) {
                      s.bind(1, prefix).bind(2, static_cast<int64_t>(prefix.size()));
                      s.bind(3, static_cast<int64_t>(limit));
                    });
  if (!jobs || unrecorded_.empty()) return jobs;
  show_unrecorded(*jobs);
  sort_newest_first(*jobs);
  return jobs;
}

Result<std::vector<Job>> JobStore::active(const JobFilter& filter) {
  auto jobs = query(std::string("WHERE ") + std::string(kActiveJobs) +
                        " AND (?1 IS NULL OR session_id = ?1) AND (?2 OR origin = 'user') "
                        "ORDER BY updated_at DESC, id DESC",
                    [&](Statement& s) {
                      if (filter.session_id) s.bind(1, *filter.session_id);
                      s.bind(2, int64_t{filter.with_stop_gate ? 1 : 0});
                    });
  if (jobs) std::erase_if(*jobs, [&](const Job& job) { return unrecorded_.count(job.id) != 0; });
  return jobs;
}

Result<std::vector<Job>> JobStore::finished(const JobFilter& filter, size_t limit) {
  auto jobs = query(
      // `+status` keeps SQLite on the updated_at index: it walks newest first and stops after
      // `limit` rows instead of sorting every finished job.
      "WHERE +status IN ('completed','failed','cancelled') AND (?1 IS NULL OR session_id = ?1) "
      "AND (?3 OR origin = 'user') ORDER BY updated_at DESC, id DESC LIMIT ?2",
      [&](Statement& s) {
        if (filter.session_id) s.bind(1, *filter.session_id);
        s.bind(2, static_cast<int64_t>(limit));
        s.bind(3, int64_t{filter.with_stop_gate ? 1 : 0});
      });
  if (!jobs || unrecorded_.empty()) return jobs;
  for (const auto& [id, job] : unrecorded_) {
    bool session = !filter.session_id || job.session_id == *filter.session_id;
    if (session && (filter.with_stop_gate || job.origin == JobOrigin::kUser)) jobs->push_back(job);
  }
  sort_newest_first(*jobs);
  if (jobs->size() > limit) {
    jobs->erase(jobs->begin() + static_cast<std::ptrdiff_t>(limit), jobs->end());
  }
  return jobs;
}

Result<std::vector<Job>> JobStore::take_ended_announcements(const std::string& session_id,
                                                            size_t limit) {
  if (read_only_) return *read_only_;
  std::vector<Job> taken;
  Status done = with_write_transaction(db_, [&]() -> Status {
    auto jobs = query(
        "WHERE announce = 1 AND +status IN ('completed','failed','cancelled') AND session_id = ?1 "
        "ORDER BY completed_at, id LIMIT ?2",
        [&](Statement& s) { s.bind(1, session_id).bind(2, static_cast<int64_t>(limit)); });
    if (!jobs) return jobs.error();
    for (Job& job : *jobs) {
      auto stmt = db_.prepare("UPDATE jobs SET announce = 2 WHERE id = ?1 AND announce = 1");
      if (!stmt) return stmt.error();
      stmt->bind(1, job.id);
      auto changed = stmt->run();
      if (!changed) return changed.error();
      if (*changed == 1) taken.push_back(std::move(job));
    }
    return {};
  });
  if (!done) return done.error();
  return taken;
}

Result<bool> JobStore::announces_end(const std::string& id) {
  auto stmt = db_.prepare("SELECT announce FROM jobs WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row) return row.error();
  return *row && stmt->column_int(0) != 0;
}

Result<std::optional<Job>> JobStore::row(const std::string& id) {
  auto jobs = query("WHERE id = ?1", [&](Statement& s) { s.bind(1, id); });
  if (!jobs) return jobs.error();
  if (jobs->empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs->front()));
}

}  // namespace companion::store
