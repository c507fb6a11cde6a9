#include "hooks/notices.h"

#include <fmt/format.h>

#include "jobs/request.h"
#include "sys/text.h"

namespace companion::hooks {

namespace {

constexpr size_t kMaxSummaryBytes = 96;
constexpr size_t kMaxErrorBytes = 120;

// What the job was asked to do, from its request (the user's own words or our label), never the
// summary it ended with: that is Codex's answer, text from a model that read the repository, and
// a notice reaches Claude's context without the user asking for it. `/codex:result` shows it.
std::string asked_for(const store::Job& job) {
  auto request = jobs::request_from_json(job.request);
  return request ? jobs::job_summary(*request) : job.title;
}

}  // namespace

std::string notice_line(const store::Job& job) {
  std::string noun = job.kind == store::JobKind::kTask ? "Codex task" : "Codex review";
  std::string status(store::to_string(job.status));
  if (job.status == store::JobStatus::kFailed && !job.error_message.empty()) {
    status.append(" (").append(sys::excerpt(job.error_message, kMaxErrorBytes)).append(")");
  }
  return fmt::format("- {} {} {}: {}. Result: /codex:result {}", noun, job.id, status,
                     sys::excerpt(asked_for(job), kMaxSummaryBytes), job.id);
}

nlohmann::json notices_output(const std::vector<store::Job>& ended) {
  if (ended.empty()) return nullptr;
  std::string text =
      "codex-companion: background Codex jobs of this session that finished since the last "
      "prompt (mention them to the user if relevant; their results are not shown here):";
  for (const auto& job : ended) text.append("\n").append(notice_line(job));
  return {
      {"hookSpecificOutput", {{"hookEventName", "UserPromptSubmit"}, {"additionalContext", text}}}};
}

}  // namespace companion::hooks
