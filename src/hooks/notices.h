// Completion notices (the UserPromptSubmit hook): when the user sends a prompt, the model hears
// about each background job of the session that ended since — one short line per job, made only
// of what this program controls: the job's id, kind, status, end reason and the command that
// shows its result. Each job is announced once (store::JobStore::take_ended_announcements),
// across prompts and session restarts.
//
// A notice reaches Claude's context without the user asking to see the job, so it carries no
// text that Codex, the app-server or the repository wrote: not the answer, not the summary the job
// ended with (Codex's finding), not the error message (the turn's error text or the app-server's
// stderr tail), not the request's summary (a review's target names branches of the repository).
// `/codex:result <id>` shows all of that when the user asks for it.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/job.h"

namespace companion::hooks {

// How many ended jobs one prompt announces; more wait for the next prompt.
inline constexpr size_t kMaxNoticesPerPrompt = 20;

// "- Codex task task-mwu3p2vl-6e00y8 failed (turn-failed). Result: /codex:result task-…": the
// noun of the job's kind (Codex task, Codex review, Codex adversarial review), its id, status and
// endReason, and the result command. The id is printed only when it is one this program makes
// (`[a-z0-9-]`, at most 64 characters); any other (a corrupt row) reads as "(unknown id)".
std::string notice_line(const store::Job& job);

// The UserPromptSubmit output that adds the notices to the prompt's context:
// {"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":...}}; null when
// `ended` is empty (the hook then prints nothing).
nlohmann::json notices_output(const std::vector<store::Job>& ended);

}  // namespace companion::hooks
