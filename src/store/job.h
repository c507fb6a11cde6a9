// The job record (SPEC.md section 2) and its JSON form.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace companion::store {

enum class JobStatus { kQueued, kRunning, kCompleted, kFailed, kCancelled };

std::string_view to_string(JobStatus status);
std::optional<JobStatus> parse_job_status(std::string_view text);
inline bool is_terminal(JobStatus s) {
  return s != JobStatus::kQueued && s != JobStatus::kRunning;
}

// Why a job reached its terminal state (the `endReason` field).
namespace end_reason {
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kTurnFailed = "turn-failed";
inline constexpr std::string_view kAppServerExited = "app-server-exited";
inline constexpr std::string_view kBrokerLost = "broker-lost";
inline constexpr std::string_view kStalled = "stalled";
inline constexpr std::string_view kDeadline = "deadline";
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kWorkerDied = "worker-died";
inline constexpr std::string_view kError = "error";
}  // namespace end_reason

// Job kinds and their derived labels.
bool is_valid_kind(std::string_view kind);
std::string_view kind_label(std::string_view kind);  // task → rescue, reviews → themselves
std::string_view job_class(std::string_view kind);   // task → task, reviews → review

struct Job {
  std::string id;
  std::string kind;  // task | review | adversarial-review
  std::string title;
  std::string summary;
  JobStatus status = JobStatus::kQueued;
  std::string phase = "queued";
  std::string workspace_root;
  std::string session_id;
  int64_t pid = 0;
  uint64_t pid_start_time = 0;  // ticks since boot; identifies the process behind `pid`
  std::string thread_id;
  std::string turn_id;
  int64_t created_at = 0;  // epoch ms; 0 = not set
  int64_t started_at = 0;
  int64_t updated_at = 0;
  int64_t completed_at = 0;
  std::string error_message;
  std::string end_reason;
  std::string log_file;
  bool write = false;
  nlohmann::json request;  // null when absent
  nlohmann::json result;   // null when absent
  std::string rendered;
  bool cancel_requested = false;  // `cancel` has asked the owner to stop

  bool active() const { return !is_terminal(status); }
};

// The JSON object with SPEC.md's field names; absent values are null, times ISO-8601.
nlohmann::json to_json(const Job& job);

}  // namespace companion::store
