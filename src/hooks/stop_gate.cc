#include "hooks/stop_gate.h"

#include <fmt/format.h>

#include "sys/terminal_text.h"
#include "sys/text.h"

namespace companion::hooks {

namespace {

// Markdown a model may wrap the verdict in ("**BLOCK:** ...", "`ALLOW`: ...").
bool is_decoration(char c) {
  return c == '*' || c == '`' || c == '_' || c == '#' || c == '>' || c == ' ' || c == '\t';
}

// The verdict word at the start of `line`, and where its text starts; nullopt when none.
std::optional<std::pair<GateAnswer::Kind, size_t>> verdict_of(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_decoration(line[i])) ++i;
  GateAnswer::Kind kind;
  if (line.substr(i, 5) == "ALLOW") {
    kind = GateAnswer::Kind::kAllow;
  } else if (line.substr(i, 5) == "BLOCK") {
    kind = GateAnswer::Kind::kBlock;
  } else {
    return std::nullopt;
  }
  i += 5;
  while (i < line.size() && (line[i] == '*' || line[i] == '`' || line[i] == '_')) ++i;
  if (i < line.size() && line[i] == ':') {
    ++i;
  } else if (i < line.size() && line[i] != ' ' && line[i] != '\t') {
    return std::nullopt;  // ALLOWED, BLOCKING, ...: not the contract's word
  }
  while (i < line.size() && (line[i] == '*' || line[i] == '`' || line[i] == '_')) ++i;
  return std::make_pair(kind, i);
}

std::string job_noun(const store::Job& job) {
  return job.kind == store::JobKind::kTask ? "Codex task" : "Codex review";
}

}  // namespace

std::string stop_gate_prompt(std::string_view prompt_template,
                             std::string_view last_assistant_message) {
  std::string message(sys::trim(last_assistant_message));
  std::string block;
  if (!message.empty()) {
    block =
        "Claude's final message in that turn (its own account of what it did; verify it against "
        "the repository, do not take it as evidence):\n" +
        sys::cut_utf8(message, kMaxClaudeMessageBytes);
  }
  std::string prompt(prompt_template);
  size_t at = prompt.find(kClaudeResponsePlaceholder);
  if (at == std::string::npos) return prompt + (block.empty() ? "" : "\n\n" + block + "\n");
  prompt.replace(at, kClaudeResponsePlaceholder.size(), block);
  return prompt;
}

GateAnswer parse_gate_answer(std::string_view final_message) {
  std::string_view text = sys::trim(final_message);
  size_t end = text.find('\n');
  std::string_view first = text.substr(0, end);
  auto verdict = verdict_of(first);
  if (!verdict) return {};
  std::string rest(first.substr(verdict->second));
  if (end != std::string_view::npos) rest.append("\n").append(text.substr(end + 1));
  return GateAnswer{verdict->first, std::string(sys::trim(rest))};
}

std::string block_reason(std::string_view finding) {
  std::string text(sys::trim(finding));
  if (text.empty()) text = "(Codex named no detail; ask it with /codex:review.)";
  return fmt::format(
      "Codex stop-time review found issues that still need fixes before ending the session:\n{}"
      "\n\nFix them, or say why they are not a problem. (Codex reviews each turn before Claude "
      "stops because the stop-time review gate is on for this repository; to turn it off, run "
      "/codex:setup --disable-review-gate.)",
      sys::cut_utf8(sys::printable_text(text), kMaxFindingBytes));
}

StopDecision decide_after_review(const store::Job& job, std::string_view final_message) {
  StopDecision d;
  if (job.status != store::JobStatus::kCompleted) {
    std::string why = job.error_message.empty() ? std::string(store::to_string(job.status))
                                                : sys::excerpt(job.error_message, 300);
    d.notes.push_back(fmt::format(
        "the stop-time review {} ended without a verdict ({}); the stop is allowed. Details: "
        "/codex:status {}",
        job.id, why, job.id));
    return d;
  }
  GateAnswer answer = parse_gate_answer(final_message);
  switch (answer.kind) {
    case GateAnswer::Kind::kBlock:
      d.block_reason = block_reason(answer.text);
      break;
    case GateAnswer::Kind::kAllow:
      d.notes.push_back("Codex stop-time review: ALLOW: " + sys::excerpt(answer.text, 300));
      break;
    case GateAnswer::Kind::kUnusable:
      d.notes.push_back(fmt::format(
          "the stop-time review {} answered neither ALLOW nor BLOCK on its first line; the stop "
          "is allowed. Its answer: /codex:result {}",
          job.id, job.id));
      break;
  }
  return d;
}

std::vector<std::string> running_job_notes(const std::vector<store::Job>& active) {
  std::vector<std::string> notes;
  notes.reserve(active.size());
  for (const auto& job : active) {
    notes.push_back(fmt::format(
        "{} {} is still {} ({}); it keeps running when this session stops. Check it with "
        "/codex:status {}, or stop it with /codex:cancel {}.",
        job_noun(job), job.id, store::to_string(job.status), sys::excerpt(job.summary, 80), job.id,
        job.id));
  }
  return notes;
}

std::string codex_unavailable_note(std::string_view detail) {
  return fmt::format(
      "Codex is not set up for the review gate: {}. Run /codex:setup. The stop is allowed "
      "without a review.",
      sys::excerpt(detail, 300));
}

std::string skipped_after_block_note() {
  return "the stop-time review is skipped: this stop follows a block (stop_hook_active), and the "
         "gate never blocks twice in a row.";
}

std::string already_reviewing_note(std::string_view job_id) {
  return fmt::format(
      "the stop-time review {} of this session is still running; no second review is started and "
      "the stop is allowed. Its verdict: /codex:result {}",
      job_id, job_id);
}

}  // namespace companion::hooks
