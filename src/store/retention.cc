// Retention (JobStore::prune), the record of what it removed (pruned, find_pruned) and of what
// the user has read (mark_read).
#include "store/job_id.h"
#include "store/job_store.h"
#include "store/job_store_query.h"
#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::store {

namespace {

constexpr std::string_view kFinished = "status IN ('completed','failed','cancelled')";

struct Candidate {
  std::string id;
  int64_t read_at = 0;
  int64_t completed_at = 0;
};

// The finished jobs of `origin` beyond the newest `keep`, newest first (ids and times only: the
// rows themselves are read only for the ones deleted).
Result<std::vector<Candidate>> beyond(Database& db, JobOrigin origin, size_t keep) {
  auto stmt =
      db.prepare("SELECT id, read_at, completed_at FROM jobs WHERE +" + std::string(kFinished) +
                 " AND origin = ?1 ORDER BY updated_at DESC, id DESC LIMIT -1 OFFSET ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, to_string(origin)).bind(2, static_cast<int64_t>(keep));
  std::vector<Candidate> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(Candidate{stmt->column_text(0), stmt->column_int(1), stmt->column_int(2)});
  }
  return out;
}

// The remembered pruned job whose id is `id`, or (with `prefix`) the only one starting with it.
Result<std::optional<PrunedJob>> lookup_pruned(Database& db, const std::string& id, bool prefix) {
  auto stmt = db.prepare(
      prefix ? "SELECT id, origin, pruned_at FROM pruned_jobs WHERE substr(id, 1, ?2) = ?1 LIMIT 2"
             : "SELECT id, origin, pruned_at FROM pruned_jobs WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  if (prefix) stmt->bind(2, static_cast<int64_t>(id.size()));
  std::vector<PrunedJob> found;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    found.push_back(PrunedJob{stmt->column_text(0),
                              parse_job_origin(stmt->column_text(1)).value_or(JobOrigin::kUser),
                              stmt->column_int(2)});
  }
  if (found.size() != 1) return std::optional<PrunedJob>();
  return std::optional<PrunedJob>(std::move(found.front()));
}

}  // namespace

Result<std::vector<Job>> JobStore::prune() {
  if (read_only_) return *read_only_;
  const int64_t now = env_->now_ms();
  std::vector<std::string> doomed;
  auto users = beyond(db_, JobOrigin::kUser, options_.keep_finished);
  if (!users) return users.error();
  size_t unread_kept = 0;
  for (const Candidate& c : *users) {
    // An unread result outlives the count: until it is read, within its own bounds.
    bool unread = c.read_at == 0 && c.completed_at > now - options_.keep_unread_ms;
    if (unread && unread_kept < options_.keep_unread) {
      ++unread_kept;
      continue;
    }
    doomed.push_back(c.id);
  }
  auto gates = beyond(db_, JobOrigin::kStopGate, options_.keep_stop_gate);
  if (!gates) return gates.error();
  for (const Candidate& c : *gates) doomed.push_back(c.id);
  if (doomed.empty()) return std::vector<Job>();
  auto removed = delete_finished(doomed);
  if (!removed) return removed.error();
  for (const Job& job : *removed) {
    if (!validate_job_ref(job.id)) continue;  // not a name to build paths from
    (void)env_->remove_file(ws_.log_path(job.id));
    (void)env_->remove_file(ws_.lock_path(job.id));
    (void)env_->remove_file(ws_.cancel_path(job.id));
  }
  return removed;
}

Result<std::vector<Job>> JobStore::delete_finished(const std::vector<std::string>& ids) {
  std::vector<Job> removed;
  const int64_t now = env_->now_ms();
  Status done = with_write_transaction(db_, [&]() -> Status {
    for (const std::string& id : ids) {
      auto job = row(id);
      if (!job) return job.error();
      if (!job->has_value() || (*job)->active()) continue;
      auto del = db_.prepare("DELETE FROM jobs WHERE id = ?1 AND " + std::string(kFinished));
      if (!del) return del.error();
      del->bind(1, id);
      auto deleted = del->run();
      if (!deleted) return deleted.error();
      if (*deleted != 1) continue;
      auto remember = db_.prepare(
          "INSERT OR REPLACE INTO pruned_jobs(id, origin, pruned_at) VALUES (?1, ?2, ?3)");
      if (!remember) return remember.error();
      remember->bind(1, id).bind(2, to_string((*job)->origin)).bind(3, now);
      if (auto r = remember->run(); !r) return r.error();
      removed.push_back(std::move(**job));
    }
    // The record of pruned ids stays bounded: the oldest are forgotten.
    auto trim = db_.prepare(
        "DELETE FROM pruned_jobs WHERE id IN (SELECT id FROM pruned_jobs "
        "ORDER BY pruned_at DESC, id DESC LIMIT -1 OFFSET ?1)");
    if (!trim) return trim.error();
    trim->bind(1, static_cast<int64_t>(options_.keep_pruned_ids));
    if (auto r = trim->run(); !r) return r.error();
    return {};
  });
  if (!done) return done.error();
  return removed;
}

Result<std::optional<PrunedJob>> JobStore::pruned(const std::string& ref) {
  auto exact = lookup_pruned(db_, ref, /*prefix=*/false);
  if (!exact || exact->has_value()) return exact;
  return lookup_pruned(db_, ref, /*prefix=*/true);
}

Result<std::optional<PrunedJob>> JobStore::find_pruned(sys::Env& env, const Workspace& ws,
                                                       const std::string& id, int busy_timeout_ms) {
  if (!env.regular_or_missing(ws.db_path())) return std::optional<PrunedJob>();
  auto db = Database::open_read_only(env, ws.db_path(), busy_timeout_ms);
  if (!db) return std::optional<PrunedJob>();  // no store there (or not one we can read)
  auto found = lookup_pruned(*db, id, /*prefix=*/false);
  if (!found) return std::optional<PrunedJob>();  // an older store: it remembers none
  return found;
}

Result<bool> JobStore::mark_read(const std::string& id, int64_t now_ms) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare("UPDATE jobs SET read_at = ?2 WHERE id = ?1 AND read_at = 0 AND " +
                          std::string(kFinished));
  if (!stmt) return stmt.error();
  stmt->bind(1, id).bind(2, now_ms);
  auto changed = stmt->run();
  if (!changed) return changed.error();
  return *changed == 1;
}

std::string pruned_message(const PrunedJob& pruned) {
  std::string iso = sys::iso_time(pruned.pruned_at);  // 2026-12-07T10:31:02.123Z
  std::string when = iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC" : iso;
  if (pruned.origin == JobOrigin::kStopGate) {
    return fmt::format(
        "{} (a stop-gate review) was removed by retention on {}; only the newest {} stop-gate "
        "reviews are kept",
        pruned.id, when, kKeepStopGateReviews);
  }
  return fmt::format("{} was removed by retention on {}; raise CODEX_COMPANION_KEEP_JOBS",
                     pruned.id, when);
}

Error missing_job_error(JobStore& store, const std::string& id, Error otherwise) {
  auto pruned = store.pruned(id);
  if (!pruned || !pruned->has_value() || (*pruned)->id != id) return otherwise;
  return make_coded_error(ErrorCode::kNotFound, "{}", pruned_message(**pruned));
}

}  // namespace companion::store
