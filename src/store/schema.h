// The job store's schema: its versions and migrations, and how a job row maps to a Job.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/job.h"
#include "store/sqlite.h"
#include "sys/result.h"

namespace companion::store {

inline constexpr int kSchemaVersion = 7;

// The columns of a job row, in the order read_job_row() reads them.
inline constexpr std::string_view kJobColumns =
    "id, kind, title, summary, status, phase, workspace_root, session_id, pid, pid_start_time, "
    "thread_id, turn_id, created_at, started_at, updated_at, completed_at, error_message, "
    "end_reason, log_file, write, request, result, rendered, cancel_requested, app_server_pid, "
    "app_server_start_time, turn_interrupt, token_usage, origin, read_at, resolved";

// Brings the database to kSchemaVersion (one write transaction); a current store costs one read.
// A store written by a newer build is an error.
Status migrate_schema(Database& db);

// For a read-only connection: checks that this build can read the store as it is.
Status check_schema_readable(Database& db);

// The Job in the current row of a `SELECT <kJobColumns>` statement. A text column this build
// does not know (a row edited by hand, or written by a newer build) is read by a stated rule,
// never as an active job: kind task, status failed, phase the status's (running while active),
// end reason error, origin user.
Job read_job_row(const Statement& s);

// A JSON value as stored in a TEXT column ("" for null).
std::string json_column(const nlohmann::json& value);

}  // namespace companion::store
