// Completion notices (the UserPromptSubmit hook): when the user sends a prompt, the model hears
// about each background job of the session that ended since — one short line with its id,
// status, summary and the command that shows its result, never its log. Each job is announced
// once (store::JobStore::take_ended_announcements), across prompts and session restarts.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/job.h"

namespace companion::hooks {

// How many ended jobs one prompt announces; more wait for the next prompt.
inline constexpr size_t kMaxNoticesPerPrompt = 20;

// "- Codex task task-… completed: <what it was asked>. Result: /codex:result task-…": the
// request's summary (the prompt's first words, or the review's target), never the summary the job
// ended with (Codex's answer: untrusted text the user did not ask to see here).
std::string notice_line(const store::Job& job);

// The UserPromptSubmit output that adds the notices to the prompt's context:
// {"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":...}}; null when
// `ended` is empty (the hook then prints nothing).
nlohmann::json notices_output(const std::vector<store::Job>& ended);

}  // namespace companion::hooks
