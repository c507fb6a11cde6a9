// The job record (SPEC.md section 2), its life cycle and its JSON form.
//
// The life cycle is one state machine: queued → running → completed | failed | cancelled, or
// queued → terminal (cancelled before it started, or its worker never ran). Kind, status, phase
// and end reason are base/turn_types.h's enums (their one mapping to the JSON strings is there).
// The terminal record is built in one place (make_terminal): the end reason decides the status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/turn_types.h"

namespace companion::store {

// The enums are base/turn_types.h's (one spelling each, shared with codex/ and jobs/).
using companion::EndReason;
using companion::JobKind;
using companion::JobStatus;
using companion::parse_end_reason;
using companion::parse_job_kind;
using companion::parse_job_status;
using companion::parse_phase;
using companion::Phase;
using companion::to_string;

// Who a job is for (the `origin` field). A stop-time review gate's review (hooks/stop_hook.h) is
// the gate's, not the user's: it has its own retention, is left out of `status` lists and of every
// default (result, cancel, --resume) unless asked for, never waits for or takes a max-parallel
// slot, and is never counted in the user's retention (JobStore::prune).
enum class JobOrigin { kUser, kStopGate };

std::string_view to_string(JobOrigin origin);  // "user", "stop-gate"
// nullopt for a string that is neither.
std::optional<JobOrigin> parse_job_origin(std::string_view text);

inline bool is_terminal(JobStatus s) {
  return s != JobStatus::kQueued && s != JobStatus::kRunning;
}
// The status a job ends in for `reason`: completed, cancelled, or failed for every other reason.
JobStatus status_for(EndReason reason);
// The phase of a terminal status: done, failed or cancelled.
Phase terminal_phase(JobStatus status);

// task → rescue, reviews → themselves (the reference's kindLabel).
std::string_view kind_label(JobKind kind);
// task → task, reviews → review (the reference's jobClass).
std::string_view job_class(JobKind kind);
// The prefix of the kind's job ids: task-…, review-….
std::string_view id_prefix(JobKind kind);

// The one terminal transition of a job (see JobStore::finish).
struct Terminal {
  JobStatus status = JobStatus::kFailed;  // completed | failed | cancelled
  EndReason end_reason = EndReason::kError;
  std::string error_message;
  nlohmann::json result;  // null: keep none
  std::string rendered;
  // Non-empty: replaces the job's summary (the reference plugin's records say what the job found
  // once it ends: the first line of the answer, or the review's summary).
  std::string summary;
};

// The terminal record for `reason`; its status follows from the reason.
Terminal make_terminal(EndReason reason, std::string error_message = {},
                       nlohmann::json result = nullptr, std::string rendered = {});

struct Job {
  std::string id;
  JobKind kind = JobKind::kTask;
  std::string title;
  std::string summary;
  JobStatus status = JobStatus::kQueued;
  Phase phase = Phase::kQueued;
  std::string workspace_root;
  std::string session_id;
  int64_t pid = 0;              // the owner: a background worker, or the foreground command
  uint64_t pid_start_time = 0;  // ticks since boot; identifies the process behind `pid`
  // The app-server the owner started (it leads its own session), for ending its leftovers when
  // the owner died without doing so. 0 when none was started (or through the broker).
  int64_t app_server_pid = 0;
  uint64_t app_server_start_time = 0;
  std::string thread_id;
  std::string turn_id;
  int64_t created_at = 0;  // epoch ms; 0 = not set
  int64_t started_at = 0;
  int64_t updated_at = 0;
  int64_t completed_at = 0;
  std::string error_message;
  std::optional<EndReason> end_reason;  // set with the terminal state
  std::string log_file;
  bool write = false;
  nlohmann::json request;  // null when absent
  nlohmann::json result;   // null when absent
  std::string rendered;
  bool cancel_requested = false;          // `cancel` has asked the owner to stop
  bool turn_interrupt_attempted = false;  // the owner asked Codex to interrupt the turn
  bool turn_interrupted = false;          // ... and Codex confirmed it
  // What Codex reported as this job's token usage (codex/token_usage.h's JSON form); null when
  // Codex reported none.
  nlohmann::json token_usage;
  JobOrigin origin = JobOrigin::kUser;
  // When the job's output was first shown (`result`, `status JOB --json`, the foreground run that
  // printed it), epoch ms; 0 = never. Retention keeps an unread result longer (JobStore::prune).
  int64_t read_at = 0;
  // What Codex resolved for the job's thread (codex/provenance.h's JSON form: model, effort,
  // sandbox, approvalPolicy, codexVersion, runtime, ...); null until Codex answered.
  nlohmann::json resolved;

  bool active() const { return !is_terminal(status); }
  // Queued without an owner: a background job waiting for a free slot of the workspace's
  // max-parallel limit (JobStore::claim_queued gives it one). Every other queued job has an
  // owner (pid != 0) that holds its lock.
  bool waiting() const { return status == JobStatus::kQueued && pid == 0; }
};

// The JSON object with SPEC.md's field names; absent values are null, times ISO-8601. A terminal
// job's pid is null (the reference's payload: its process is gone); a cancelled job's
// `cancelledAt` is its completedAt (null otherwise), as the reference's job files have it.
// `tokenUsage` is the stored token usage object, or null. Ours besides the reference's fields:
// `origin` ("user" | "stop-gate"), `readAt` (ISO time or null) and `resolved` (object or null).
nlohmann::json to_json(const Job& job);

}  // namespace companion::store
