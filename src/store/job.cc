#include "store/job.h"

#include "sys/clock.h"

namespace companion::store {

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (auto s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kCompleted, JobStatus::kFailed,
                 JobStatus::kCancelled}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

bool is_valid_kind(std::string_view kind) {
  return kind == "task" || kind == "review" || kind == "adversarial-review";
}

std::string_view kind_label(std::string_view kind) {
  return kind == "task" ? "rescue" : kind;
}

std::string_view job_class(std::string_view kind) {
  return kind == "task" ? "task" : "review";
}

namespace {
nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}
nlohmann::json time_or_null(int64_t ms) {
  return ms == 0 ? nlohmann::json() : nlohmann::json(sys::iso_time(ms));
}
}  // namespace

nlohmann::json to_json(const Job& job) {
  return {
      {"id", job.id},
      {"kind", job.kind},
      {"kindLabel", kind_label(job.kind)},
      {"jobClass", job_class(job.kind)},
      {"title", job.title},
      {"summary", job.summary},
      {"status", to_string(job.status)},
      {"phase", job.phase},
      {"workspaceRoot", job.workspace_root},
      {"sessionId", text_or_null(job.session_id)},
      {"pid", job.pid == 0 ? nlohmann::json() : nlohmann::json(job.pid)},
      {"threadId", text_or_null(job.thread_id)},
      {"turnId", text_or_null(job.turn_id)},
      {"createdAt", time_or_null(job.created_at)},
      {"startedAt", time_or_null(job.started_at)},
      {"updatedAt", time_or_null(job.updated_at)},
      {"completedAt", time_or_null(job.completed_at)},
      {"errorMessage", text_or_null(job.error_message)},
      {"endReason", text_or_null(job.end_reason)},
      {"logFile", job.log_file},
      {"write", job.write},
      {"request", job.request},
      {"result", job.result},
      {"rendered", text_or_null(job.rendered)},
  };
}

}  // namespace companion::store
