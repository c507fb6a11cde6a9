#include "store/job.h"

#include <array>
#include <utility>

#include "sys/clock.h"

namespace companion::store {

namespace {

template <class E, size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<JobOrigin, 2> kOrigins = {{
    {JobOrigin::kUser, "user"},
    {JobOrigin::kStopGate, "stop-gate"},
}};

template <class E, size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return "unknown";
}

template <class E, size_t N>
std::optional<E> parse_name(const Names<E, N>& names, std::string_view text) {
  for (const auto& [e, name] : names) {
    if (name == text) return e;
  }
  return std::nullopt;
}

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json time_or_null(int64_t ms) {
  return ms == 0 ? nlohmann::json() : nlohmann::json(sys::iso_time(ms));
}

}  // namespace

std::string_view to_string(JobOrigin origin) {
  return name_of(kOrigins, origin);
}
std::optional<JobOrigin> parse_job_origin(std::string_view text) {
  return parse_name(kOrigins, text);
}
JobStatus status_for(EndReason reason) {
  switch (reason) {
    case EndReason::kCompleted:
      return JobStatus::kCompleted;
    case EndReason::kCancelled:
      return JobStatus::kCancelled;
    default:
      return JobStatus::kFailed;
  }
}

Phase terminal_phase(JobStatus status) {
  switch (status) {
    case JobStatus::kCompleted:
      return Phase::kDone;
    case JobStatus::kCancelled:
      return Phase::kCancelled;
    default:
      return Phase::kFailed;
  }
}

std::string_view kind_label(JobKind kind) {
  return kind == JobKind::kTask ? "rescue" : to_string(kind);
}

std::string_view job_class(JobKind kind) {
  return kind == JobKind::kTask ? "task" : "review";
}

std::string_view id_prefix(JobKind kind) {
  return kind == JobKind::kTask ? "task" : "review";
}

Terminal make_terminal(EndReason reason, std::string error_message, nlohmann::json result,
                       std::string rendered) {
  return Terminal{status_for(reason), reason, std::move(error_message), std::move(result),
                  std::move(rendered)};
}

nlohmann::json to_json(const Job& job) {
  return {
      {"id", job.id},
      {"kind", to_string(job.kind)},
      {"kindLabel", kind_label(job.kind)},
      {"jobClass", job_class(job.kind)},
      {"title", job.title},
      {"summary", job.summary},
      {"status", to_string(job.status)},
      {"phase", to_string(job.phase)},
      {"workspaceRoot", job.workspace_root},
      {"sessionId", text_or_null(job.session_id)},
      {"pid", job.pid == 0 || !job.active() ? nlohmann::json() : nlohmann::json(job.pid)},
      {"threadId", text_or_null(job.thread_id)},
      {"turnId", text_or_null(job.turn_id)},
      {"createdAt", time_or_null(job.created_at)},
      {"startedAt", time_or_null(job.started_at)},
      {"updatedAt", time_or_null(job.updated_at)},
      {"completedAt", time_or_null(job.completed_at)},
      {"cancelledAt",
       job.status == JobStatus::kCancelled ? time_or_null(job.completed_at) : nlohmann::json()},
      {"errorMessage", text_or_null(job.error_message)},
      {"endReason", job.end_reason ? nlohmann::json(to_string(*job.end_reason)) : nlohmann::json()},
      {"logFile", job.log_file},
      {"write", job.write},
      {"request", job.request},
      {"result", job.result},
      {"rendered", text_or_null(job.rendered)},
      {"tokenUsage", job.token_usage.is_object() ? job.token_usage : nlohmann::json()},
      {"origin", to_string(job.origin)},
      {"readAt", time_or_null(job.read_at)},
      {"resolved", job.resolved.is_object() ? job.resolved : nlohmann::json()},
  };
}

}  // namespace companion::store
