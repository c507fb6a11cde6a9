// The per-workspace job store: one SQLite database (WAL) plus a jobs/ folder holding each job's
// lock and log. Terminal transitions are compare-and-set (DESIGN.md invariants 2 and 3).
//
// The store answers queries and records transitions; it starts, ends and deletes no process,
// worktree or file but its own (the database and each job's lock, cancel and log files). Reads
// are pure: a job whose owner is gone stays active until someone records that
// (ownerless + record_ownerless); jobs::settle is the one step that does, with the effects.
//
// A full (or read-only) disk never hides the jobs already stored: the store then opens for
// reading only (see read_only()), every write fails with the reason, and a job whose owner is
// gone but whose end cannot be written is shown ended, with a note that it is not recorded yet.
//
// Thread-safety: one JobStore per thread. Any number of processes may use the same workspace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/broker_session.h"
#include "store/job.h"
#include "store/queue_state.h"
#include "store/sqlite.h"
#include "store/workspace.h"
#include "sys/env.h"
#include "sys/fd.h"
#include "sys/result.h"

namespace companion::store {

struct NewJob {
  JobKind kind = JobKind::kTask;
  std::string title;
  std::string summary;
  std::string session_id;
  bool write = false;
  nlohmann::json request;
  // Announce the job's end to its Claude Code session (take_ended_announcements): background
  // jobs, whose end nobody is watching.
  bool announce_end = false;
  // Created waiting for a slot (Job::waiting): no owner, no lock; CreatedJob::lock is then empty
  // and the job starts when claim_queued hands it to a promoter.
  bool wait_for_slot = false;
  JobOrigin origin = JobOrigin::kUser;
};

// A job just created, with the lock that proves its owner alive. Keep `lock` open for the life
// of the owner, or hand it to the worker process.
struct CreatedJob {
  Job job;
  sys::UniqueFd lock;
};

// The owner that starts a queued job (JobStore::start).
struct StartInfo {
  int64_t pid = 0;
  uint64_t pid_start_time = 0;
};

// Fields a live job may change. Applies only while the job is active.
struct JobPatch {
  std::optional<Phase> phase;
  std::optional<std::string> thread_id;
  std::optional<std::string> turn_id;
  std::optional<std::string> title;
  std::optional<std::string> summary;
  std::optional<int64_t> pid;
  std::optional<uint64_t> pid_start_time;
  std::optional<int64_t> app_server_pid;  // with its start time:
  std::optional<uint64_t> app_server_start_time;
  // Records that the job was asked to stop: if its owner then dies without writing a terminal
  // state, the next reader ends the job as cancelled rather than as a dead worker.
  bool request_cancel = false;
  // The owner is asking Codex to interrupt the turn (recorded before it asks, so a cancel that
  // has to SIGKILL the owner still reports the attempt), and whether Codex confirmed it.
  bool turn_interrupt_attempted = false;
  bool turn_interrupted = false;
  // Replaces the job's token usage (a JSON object, see Job::token_usage).
  std::optional<nlohmann::json> token_usage;
  // Replaces what Codex resolved for the job (a JSON object, see Job::resolved).
  std::optional<nlohmann::json> resolved;
};

struct JobFilter {
  std::optional<std::string> session_id;  // nullopt: every session
  bool with_stop_gate = false;            // false: the user's jobs only (JobOrigin::kUser)
};

// A job retention removed (JobStore::prune): its id, whose it was and when (epoch ms).
struct PrunedJob {
  std::string id;
  JobOrigin origin = JobOrigin::kUser;
  int64_t pruned_at = 0;
};

// An active job whose owner is gone (JobStore::ownerless).
struct OwnerlessJob {
  Job job;
  bool lock_missing = false;  // its lock file is gone too (else it is there, and free)
};

// How many finished stop-gate reviews a workspace keeps (JobStore::Options::keep_stop_gate).
inline constexpr size_t kKeepStopGateReviews = 20;

class JobStore {
 public:
  struct Options {
    // Retention (prune()); active jobs are never pruned. The newest `keep_finished` finished jobs
    // of the user are kept. Of the older ones, a result nobody has read yet (Job::read_at 0) is
    // kept too, up to `keep_unread` of them and for `keep_unread_ms` after it ended. Stop-gate
    // reviews are kept apart: the newest `keep_stop_gate`, never counted in the user's. The ids
    // removed are remembered, the newest `keep_pruned_ids` of them (pruned()).
    size_t keep_finished = 50;
    size_t keep_unread = 200;
    int64_t keep_unread_ms = 30LL * 24 * 3600 * 1000;
    size_t keep_stop_gate = kKeepStopGateReviews;
    size_t keep_pruned_ids = 1000;
    int busy_timeout_ms = 30000;
  };

  // Opens (creating directories, database and schema as needed) the store of `ws`. When that
  // cannot write (a full or read-only disk), opens the existing store for reading only.
  // `env` must outlive the store.
  static Result<JobStore> open(const Workspace& ws, sys::Env& env, const Options& options);
  // Opens an existing store only: nullopt when the workspace has none.
  static Result<std::optional<JobStore>> open_existing(const Workspace& ws, sys::Env& env,
                                                       const Options& options);

  const Workspace& workspace() const { return ws_; }
  sys::Env& env() const { return *env_; }
  // How long a write waits for another process's transaction before failing with
  // ErrorCode::kBusy (cancel shortens it to keep its own bound).
  void set_busy_timeout(int busy_timeout_ms) { db_.set_busy_timeout(busy_timeout_ms); }

  // True when the store could only be opened for reading; create, update, finish, set_config
  // and prune then fail with why (such as "the disk holding <dir> is full; free space and retry").
  bool read_only() const { return read_only_.has_value(); }

  // Creates a queued job whose lock the caller already holds (lock first, then the row, so no
  // reader can ever see the job without a live owner). An object `request` is stored with the
  // new job's id as its `jobId`.
  Result<CreatedJob> create(const NewJob& spec);
  // create() for a stop-gate review (spec.origin must be JobOrigin::kStopGate), unless one of
  // spec.session_id is already active: then that job, and nothing is created. The check and the
  // insert are one write transaction, so two stops at once start one review. A review whose
  // owner died counts as running until its end is recorded (jobs::settle first).
  Result<std::variant<CreatedJob, Job>> create_stop_gate_review(const NewJob& spec);

  // The owner starts the job: queued → running (compare-and-set), recording the owner. False when
  // the job is not queued with an owner (already started, ended, or still waiting for a slot).
  Result<bool> start(const std::string& id, const StartInfo& owner);

  // Applies `patch` while the job is active; false when it is terminal (or unknown).
  Result<bool> update(const std::string& id, const JobPatch& patch);

  // Compare-and-set to a terminal state: true when this call won; false when the job was already
  // terminal, which then stays as it was. A non-empty `terminal.summary` replaces the summary.
  // Removes the job's lock and cancel files. Starts nothing: the winner runs the end's effects
  // (jobs::settle with the id: notify, retention, the queue).
  Result<bool> finish(const std::string& id, const Terminal& terminal);

  // The queue (store/job_queue.cc). A slot is an active job with an owner (running, or queued and
  // being started; foreground jobs included); waiting jobs (Job::waiting) start in created order.
  //
  // In one write transaction: when fewer than `max_running` slots are taken, makes the oldest
  // waiting job this process's (pid, lock) and returns it with its lock, to be handed to a worker
  // (jobs::launch_worker). nullopt when no slot is free or nothing waits. Two processes calling
  // this at once never claim the same job (the transaction serializes them, and the lock file is
  // created exclusively). A dead owner's slot counts as taken until its end is recorded
  // (record_ownerless, which jobs::settle runs before it promotes).
  Result<std::optional<CreatedJob>> claim_queued(size_t max_running);
  // Whether a job waits and fewer than the workspace's max-parallel slots are taken (a cheap
  // read, no write transaction): when false, promoting the queue would claim nothing.
  Result<bool> queue_ready();
  // The waiting jobs, first to start first (the order they were created in: rowid).
  Result<std::vector<Job>> queue();
  // Ends a job that is still waiting (compare-and-set on "queued without an owner"): true when
  // this call won; false when it was claimed or ended meanwhile.
  Result<bool> finish_waiting(const std::string& id, const Terminal& terminal);
  // The queue's state (store/queue_state.cc); a store without the row reads as a running queue.
  Result<QueueState> queue_state();
  // Holds (`queue pause`) or releases the queue: true when this call changed it. Errors: SQLite;
  // a read-only store.
  Result<bool> set_queue_paused(bool paused);
  // Records the account's latest rate-limit snapshot and, when given, the time an exhausted
  // window resets (0 clears it). Errors: SQLite; a read-only store.
  Status record_rate_limits(const nlohmann::json& snapshot, std::optional<int64_t> limited_until);

  // Reads: pure queries, as stored. A job the last record_ownerless found ownerless but could not
  // end in the store (it is read-only, or the write failed) is returned ended anyway: its error
  // message says that it is not recorded yet, and the next record_ownerless that can write
  // records it.
  Result<std::optional<Job>> get(const std::string& id);
  Result<std::vector<Job>> with_prefix(const std::string& prefix, size_t limit);
  Result<std::vector<Job>> active(const JobFilter& filter);
  // Finished jobs, newest updatedAt first.
  Result<std::vector<Job>> finished(const JobFilter& filter, size_t limit);

  // Active jobs whose owner is gone: its lock is free, or missing while the recorded owner
  // process (pid and start time) is not running. Waiting jobs (no owner yet) are not. A pure read
  // (lock probes, the process table); what the owner left running is still running.
  Result<std::vector<OwnerlessJob>> ownerless();
  // The one transition of a reader: ends each of `gone` (from ownerless(), after what its owner
  // left running was ended) as failed (EndReason::kWorkerDied), or cancelled when a cancel was
  // asked for, by compare-and-set, and logs it. Returns the ids whose end this call recorded; one
  // it could only end in memory (see "Reads") is not among them. Forgets the in-memory ends of
  // the call before.
  Result<std::vector<std::string>> record_ownerless(const std::vector<OwnerlessJob>& gone);

  // The jobs of `session_id` created with NewJob::announce_end that have ended and were not
  // announced yet, oldest end first, at most `limit`. They are marked announced in the same write
  // transaction, so each job is returned once, to one caller, whatever runs at the same time.
  // A job whose owner died is among them once its end is recorded (jobs::settle first).
  Result<std::vector<Job>> take_ended_announcements(const std::string& session_id, size_t limit);

  // Whether job `id` was created with NewJob::announce_end (a background job, whose end nobody
  // watches). False for an unknown id. Errors: SQLite.
  Result<bool> announces_end(const std::string& id);

  // Workspace configuration (key/value).
  Result<std::optional<std::string>> config(const std::string& key);
  Status set_config(const std::string& key, const std::string& value);
  Status unset_config(const std::string& key);
  // The stop-time review gate of the workspace (config key stopReviewGate; off by default).
  Result<bool> review_gate();
  Status set_review_gate(bool enabled);
  // The workspace's shared brokers (store/broker_session.h). broker_session(key): the broker of
  // identity `key` (the bare record of an earlier version for ""); nullopt when none is recorded
  // (or the record is unreadable). broker_sessions(): every record, by key; unreadable ones are
  // left out.
  Result<std::optional<BrokerSession>> broker_session(const std::string& key);
  Result<std::vector<BrokerSession>> broker_sessions();
  // Records `session` under its key.
  Status set_broker_session(const BrokerSession& session);
  // Forgets the broker of identity `key` only while it is still the one at `endpoint`, so a
  // broker that another companion recorded meanwhile stays.
  Status clear_broker_session(const std::string& key, const std::string& endpoint);

  // Deletes the finished jobs retention does not keep (Options), with their logs, lock and
  // cancel files, and remembers their ids; returns the jobs deleted (a worktree task's worktree
  // is the caller's to remove: jobs::settle). Errors: SQLite; a read-only store.
  Result<std::vector<Job>> prune();
  // The job retention removed whose id is `ref`, else the only one whose id starts with `ref`;
  // nullopt when none (or several) match. Errors: SQLite.
  Result<std::optional<PrunedJob>> pruned(const std::string& ref);
  // pruned() for the exact id `id` in the store of `ws`, opened read-only (nothing created or
  // migrated); nullopt when that workspace has no store, or one that remembers no pruned ids.
  static Result<std::optional<PrunedJob>> find_pruned(sys::Env& env, const Workspace& ws,
                                                      const std::string& id, int busy_timeout_ms);
  // Records that a finished job's output was shown to the user at `now_ms` (Job::read_at),
  // once: true when this call recorded it; false when it was read before (the first time stays),
  // or is active or unknown. Errors: SQLite; a read-only store.
  Result<bool> mark_read(const std::string& id, int64_t now_ms);

 private:
  JobStore(Workspace ws, sys::Env& env, Database db, Options options)
      : ws_(std::move(ws)), env_(&env), db_(std::move(db)), options_(options) {}
  static Result<JobStore> open_writable(const Workspace& ws, sys::Env& env, const Options& options);
  // The read-only fallback of open(); `why` is the error of the writable open.
  static Result<JobStore> open_read_only(const Workspace& ws, sys::Env& env, const Options& options,
                                         const Error& why);
  // OK when this build can read the store as it is (schema not newer, the tables it reads).
  // Rows of `SELECT <job columns> FROM jobs <tail>`, with parameters bound by `bind`.
  template <class Bind>
  Result<std::vector<Job>> query(std::string_view tail, Bind&& bind);
  // query() without parameters (for files that do not see query's definition).
  Result<std::vector<Job>> select(std::string_view tail);
  Result<bool> record_owner_gone(const OwnerlessJob& gone);
  // Builds `spec`'s job, takes its lock (unless it waits for a slot) and inserts its row.
  Result<CreatedJob> insert_new(const NewJob& spec);
  // The row of `id` as stored (not reconciled); nullopt when there is none.
  Result<std::optional<Job>> row(const std::string& id);
  // Deletes `ids`' rows (finished only) and remembers them; returns the jobs deleted.
  Result<std::vector<Job>> delete_finished(const std::vector<std::string>& ids);
  // finish() restricted by an extra SQL condition on the row.
  Result<bool> finish_where(const std::string& id, const Terminal& terminal,
                            std::string_view condition);
  Result<size_t> count(std::string_view where);
  // Replaces rows by their unrecorded ended form (see unrecorded_).
  void show_unrecorded(std::vector<Job>& jobs) const;

  Workspace ws_;
  sys::Env* env_;
  Database db_;
  Options options_;
  std::optional<Error> read_only_;  // why writes are refused
  // Jobs the last reconcile found ownerless but could not end in the store, by id, as ended.
  std::map<std::string, Job> unrecorded_;
};

// "JOB was removed by retention on 2026-12-07 10:31:02 UTC; raise CODEX_COMPANION_KEEP_JOBS" (for
// a stop-gate review: how many of those are kept instead).
std::string pruned_message(const PrunedJob& pruned);

// The error for job `id`, which `store` does not hold: pruned_message() when retention removed
// it, else `otherwise`. Never fails: a store that cannot say gives `otherwise`.
Error missing_job_error(JobStore& store, const std::string& id, Error otherwise);

}  // namespace companion::store
