#include "store/schema.h"

#include "sys/json_read.h"

namespace companion::store {

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS jobs(
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  phase TEXT NOT NULL,
  workspace_root TEXT NOT NULL,
  session_id TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  pid_start_time INTEGER NOT NULL DEFAULT 0,
  thread_id TEXT NOT NULL DEFAULT '',
  turn_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL DEFAULT 0,
  error_message TEXT NOT NULL DEFAULT '',
  end_reason TEXT NOT NULL DEFAULT '',
  log_file TEXT NOT NULL,
  write INTEGER NOT NULL DEFAULT 0,
  request TEXT,
  result TEXT,
  rendered TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, updated_at);
CREATE INDEX IF NOT EXISTS jobs_by_update ON jobs(updated_at, id);
CREATE TABLE IF NOT EXISTS config(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

// Version 2: a cancel was requested for the job (see reconcile_job).
constexpr std::string_view kSchemaV2 =
    "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0";

// Version 3: the app-server the owner started (its session is ended when the owner died without
// doing so), and what became of the owner's turn interrupt (0 none, 1 attempted, 2 confirmed).
constexpr std::string_view kSchemaV3 =
    "ALTER TABLE jobs ADD COLUMN app_server_pid INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN app_server_start_time INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN turn_interrupt INTEGER NOT NULL DEFAULT 0;";

// Version 4: whether the job's end is announced to its Claude Code session (0 never: foreground
// jobs and jobs older than this version; 1 when it ends; 2 done), see
// JobStore::take_ended_announcements.
constexpr std::string_view kSchemaV4 =
    "ALTER TABLE jobs ADD COLUMN announce INTEGER NOT NULL DEFAULT 0";

// Version 5: the token usage Codex reported for the job (thread/tokenUsage/updated), as JSON;
// NULL when none was reported.
constexpr std::string_view kSchemaV5 = "ALTER TABLE jobs ADD COLUMN token_usage TEXT";

// Version 6: who the job is for (origin: 'user' or 'stop-gate'; the stop gate's reviews of older
// stores are recognised by their title and ephemeral thread), when its output was first read
// (read_at, epoch ms; finished foreground jobs of older stores count as read: their output was
// printed when they ran), what Codex resolved for it (resolved, JSON), and the ids retention
// removed (pruned_jobs, bounded: JobStore::prune).
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE jobs ADD COLUMN origin TEXT NOT NULL DEFAULT 'user';
ALTER TABLE jobs ADD COLUMN read_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN resolved TEXT;
CREATE TABLE IF NOT EXISTS pruned_jobs(
  id TEXT PRIMARY KEY,
  origin TEXT NOT NULL DEFAULT 'user',
  pruned_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pruned_jobs_by_time ON pruned_jobs(pruned_at, id);
UPDATE jobs SET origin = 'stop-gate'
  WHERE kind = 'task' AND title = 'Codex Stop Gate Review' AND request LIKE '%"ephemeral":true%';
UPDATE jobs SET read_at = updated_at
  WHERE status IN ('completed','failed','cancelled') AND announce = 0;
)sql";

// Version 7: the workspace's queue state, one row (store/queue_state.h): when `queue pause` held
// it (queue_paused_at, epoch ms; 0 = not paused), the last usage-limit snapshot Codex reported
// (rate_limits, JSON, and when: rate_limits_at) and the time an exhausted window resets
// (rate_limited_until, epoch ms; 0 = none known).
constexpr std::string_view kSchemaV7 = R"sql(
CREATE TABLE IF NOT EXISTS queue_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  queue_paused_at INTEGER NOT NULL DEFAULT 0,
  rate_limits TEXT,
  rate_limits_at INTEGER NOT NULL DEFAULT 0,
  rate_limited_until INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO queue_state(id) VALUES (1);
)sql";

// A column that is not JSON (or is nested too deep to copy safely, see sys::parse_json) reads
// as the text it holds.
nlohmann::json parse_json_column(const std::string& text) {
  if (text.empty()) return nullptr;
  auto parsed = sys::parse_json(text);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

}  // namespace

std::string json_column(const nlohmann::json& value) {
  return value.is_null() ? std::string()
                         : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Job read_job_row(const Statement& s) {
  Job j;
  j.id = s.column_text(0);
  j.kind = parse_job_kind(s.column_text(1)).value_or(JobKind::kTask);
  j.title = s.column_text(2);
  j.summary = s.column_text(3);
  j.status = parse_job_status(s.column_text(4)).value_or(JobStatus::kFailed);
  j.phase = parse_phase(s.column_text(5))
                .value_or(is_terminal(j.status) ? terminal_phase(j.status) : Phase::kRunning);
  j.workspace_root = s.column_text(6);
  j.session_id = s.column_text(7);
  j.pid = s.column_int(8);
  j.pid_start_time = static_cast<uint64_t>(s.column_int(9));
  j.thread_id = s.column_text(10);
  j.turn_id = s.column_text(11);
  j.created_at = s.column_int(12);
  j.started_at = s.column_int(13);
  j.updated_at = s.column_int(14);
  j.completed_at = s.column_int(15);
  j.error_message = s.column_text(16);
  std::string end_reason = s.column_text(17);
  if (!end_reason.empty()) j.end_reason = parse_end_reason(end_reason).value_or(EndReason::kError);
  j.log_file = s.column_text(18);
  j.write = s.column_int(19) != 0;
  j.request = parse_json_column(s.column_text(20));
  j.result = parse_json_column(s.column_text(21));
  j.rendered = s.column_text(22);
  j.cancel_requested = s.column_int(23) != 0;
  j.app_server_pid = s.column_int(24);
  j.app_server_start_time = static_cast<uint64_t>(s.column_int(25));
  j.turn_interrupt_attempted = s.column_int(26) >= 1;
  j.turn_interrupted = s.column_int(26) >= 2;
  j.token_usage = parse_json_column(s.column_text(27));
  if (!j.token_usage.is_object()) j.token_usage = nullptr;
  j.origin = parse_job_origin(s.column_text(28)).value_or(JobOrigin::kUser);
  j.read_at = s.column_int(29);
  j.resolved = parse_json_column(s.column_text(30));
  if (!j.resolved.is_object()) j.resolved = nullptr;
  return j;
}

Status check_schema_readable(Database& db) {
  auto probe = db.prepare("SELECT max(version) FROM schema_version");
  if (!probe) return probe.error();
  auto row = probe->step();
  if (!row) return row.error();
  if (!*row || probe->column_int(0) > kSchemaVersion) {
    return make_error("the job store {} has no schema this build reads", db.path());
  }
  COMPANION_TRY(db.prepare("SELECT " + std::string(kJobColumns) + " FROM jobs LIMIT 0"));
  COMPANION_TRY(db.prepare("SELECT key, value FROM config LIMIT 0"));
  COMPANION_TRY(db.prepare("SELECT announce FROM jobs LIMIT 0"));
  COMPANION_TRY(db.prepare("SELECT id, origin, pruned_at FROM pruned_jobs LIMIT 0"));
  return {};
}

Status migrate_schema(Database& db) {
  // Fast path: a current store answers this single read.
  if (auto probe = db.prepare("SELECT max(version) FROM schema_version")) {
    auto row = probe->step();
    if (!row) return row.error();
    if (*row && probe->column_int(0) == kSchemaVersion) return {};
    if (*row && probe->column_int(0) > kSchemaVersion) {
      return make_error(
          "the job store {} was written by a newer codex-companion (schema {}); "
          "upgrade codex-companion",
          db.path(), probe->column_int(0));
    }
  } else if (probe.error().code != ErrorCode::kMissingTable) {
    return probe.error();
  }
  COMPANION_TRY(db.exec("PRAGMA journal_mode=WAL"));
  return with_write_transaction(db, [&]() -> Status {
    COMPANION_TRY(db.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"));
    auto current = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!current) return current.error();
    auto row = current->step();
    if (!row) return row.error();
    int64_t version = current->column_int(0);
    if (version < 1) {
      COMPANION_TRY(db.exec(std::string(kSchemaV1)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (1)"));
    }
    if (version < 2) {
      // Development builds created version 1 stores that already have the column.
      if (!db.prepare("SELECT cancel_requested FROM jobs LIMIT 0")) {
        COMPANION_TRY(db.exec(std::string(kSchemaV2)));
      }
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (2)"));
    }
    if (version < 3) {
      COMPANION_TRY(db.exec(std::string(kSchemaV3)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (3)"));
    }
    if (version < 4) {
      COMPANION_TRY(db.exec(std::string(kSchemaV4)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (4)"));
    }
    if (version < 5) {
      COMPANION_TRY(db.exec(std::string(kSchemaV5)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (5)"));
    }
    if (version < 6) {
      COMPANION_TRY(db.exec(std::string(kSchemaV6)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (6)"));
    }
    if (version < 7) {
      COMPANION_TRY(db.exec(std::string(kSchemaV7)));
      COMPANION_TRY(db.exec("INSERT INTO schema_version(version) VALUES (7)"));
    }
    return {};
  });
}

}  // namespace companion::store
