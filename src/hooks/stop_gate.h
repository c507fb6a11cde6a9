// The stop-time review gate's decisions (sans-IO; stop_hook.h runs them).
//
// With the gate on (`setup --enable-review-gate`), each time Claude Code is about to stop, Codex
// reviews what the previous turn changed and answers on its first line `ALLOW: <reason>` or
// `BLOCK: <reason>`. A BLOCK becomes the Stop hook's {"decision":"block","reason":...}: Claude
// Code then has the model answer once more with that reason. Everything else allows the stop:
// Codex missing, failing, timing out or answering something else is said on stderr, never
// turned into a block (reference issues #248, #483), and a stop that follows a block
// (stop_hook_active) is never blocked again (#548: the reference loops until Claude Code's cap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/job.h"

namespace companion::hooks {

inline constexpr const char* kStopGatePromptFile = "prompts/stop-review-gate.md";
inline constexpr const char* kStopGateTitle = "Codex Stop Gate Review";
inline constexpr const char* kStopGateSummary = "Stop-gate review of the previous Claude turn";
// Where the template takes Claude's last message.
inline constexpr std::string_view kClaudeResponsePlaceholder = "{{CLAUDE_RESPONSE_BLOCK}}";
// The most of Claude's last message put in the prompt, and of Codex's finding in the reason.
inline constexpr size_t kMaxClaudeMessageBytes = 16 * 1024;
inline constexpr size_t kMaxFindingBytes = 8 * 1024;
// The Stop hook's timeout in plugin/hooks/hooks.json is 900 s; the review (the app-server's start
// and stop included) must end well before Claude Code kills the hook.
inline constexpr int64_t kStopGateBudgetMs = 10 * 60 * 1000;

// The template with its placeholder replaced by Claude's last message, framed as a claim to
// check ("" when there is none). A template without the placeholder gets the message appended.
std::string stop_gate_prompt(std::string_view prompt_template,
                             std::string_view last_assistant_message);

struct GateAnswer {
  enum class Kind { kAllow, kBlock, kUnusable };
  Kind kind = Kind::kUnusable;
  std::string text;  // what follows ALLOW:/BLOCK: (and the lines after it), trimmed
};

// Reads Codex's final answer: its first non-blank line must start with `ALLOW` or `BLOCK`
// followed by `:` (or nothing). Anything else is kUnusable.
GateAnswer parse_gate_answer(std::string_view final_message);

// The block reason for Claude (Claude Code also shows it to the user): Codex's finding, with
// control characters made visible (sys::printable_text) and bounded to kMaxFindingBytes, and how
// to turn the gate off. The finding is the gate's one intended passage of Codex's text into
// Claude's context.
std::string block_reason(std::string_view finding);

// The decision the Stop hook prints, and the notes for stderr (one line each).
struct StopDecision {
  std::optional<std::string> block_reason;  // set: print {"decision":"block","reason":...}
  std::vector<std::string> notes;
};

// What the review job came to: `job` is terminal; `final_message` is its raw output.
StopDecision decide_after_review(const store::Job& job, std::string_view final_message);

// A note for each job still running in this session (the stop does not end them).
std::vector<std::string> running_job_notes(const std::vector<store::Job>& active);

// Why the gate did not run Codex at all.
std::string codex_unavailable_note(std::string_view detail);
std::string skipped_after_block_note();
// A stop while the session's review `job_id` still runs: no second review, the stop is allowed.
std::string already_reviewing_note(std::string_view job_id);

}  // namespace companion::hooks
