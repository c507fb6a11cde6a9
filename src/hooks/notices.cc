#include "hooks/notices.h"

#include <fmt/format.h>

#include <string_view>

namespace companion::hooks {

namespace {

std::string_view noun(store::JobKind kind) {
  switch (kind) {
    case store::JobKind::kTask:
      return "Codex task";
    case store::JobKind::kReview:
      return "Codex review";
    case store::JobKind::kAdversarialReview:
      return "Codex adversarial review";
  }
  return "Codex job";
}

// Ids are ours (`<kind>-<base36>-<base36>`); a row that holds anything else is not echoed.
bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string notice_line(const store::Job& job) {
  std::string id = plain_id(job.id) ? job.id : "(unknown id)";
  std::string status(store::to_string(job.status));
  if (job.end_reason && store::to_string(*job.end_reason) != status) {
    status.append(" (").append(store::to_string(*job.end_reason)).append(")");
  }
  return fmt::format("- {} {} {}. Result: /codex:result {}", noun(job.kind), id, status, id);
}

nlohmann::json notices_output(const std::vector<store::Job>& ended) {
  if (ended.empty()) return nullptr;
  std::string text =
      "codex-companion: background Codex jobs of this session that finished since the last "
      "prompt (mention them to the user if relevant; what they found is not shown here, "
      "/codex:result shows it):";
  for (const auto& job : ended) text.append("\n").append(notice_line(job));
  return {
      {"hookSpecificOutput", {{"hookEventName", "UserPromptSubmit"}, {"additionalContext", text}}}};
}

}  // namespace companion::hooks
