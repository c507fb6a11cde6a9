// Snapshots of jobs (the JSON that `status` prints) and their Markdown text.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "store/job.h"
#include "sys/env.h"

namespace companion::render {

// "0s", "45s", "1m 5s", "2h 5m": whole seconds rounded to the nearest, no zero padding, hours
// and minutes only from an hour on (the reference plugin's format, which scripts match).
std::string format_duration(int64_t ms);

// The job's JSON plus, as the reference plugin enriches every job it prints:
// - `elapsed`: start (else creation) to the end for a finished job, to `now_ms` for an active one;
// - `duration`: start to end for a finished job, else null;
// - `progressPreview`: the last 4 progress lines of the log for a queued, running or failed job
//   (what it is doing, or what it did before it failed); [] for completed and cancelled ones.
nlohmann::json job_snapshot(sys::Env& env, const store::Job& job, int64_t now_ms);

// `status` without a job: report = {workspaceRoot, config, sessionRuntime, running[],
// latestFinished, recent[], needsReview}.
std::string render_status_report(const nlohmann::json& report);

// `status JOB`.
std::string render_job_status(const nlohmann::json& job);

// `result`: the stored output of a finished job, then "Codex session ID: <thread>" and
// "Resume in Codex: codex resume <thread>" when it has a thread. An adversarial review shows its
// rendered report; a task or a native review shows Codex's own text (the raw output, or the
// built-in reviewer's text) as the reference plugin does; a job with neither shows its rendered
// text, else its status and error.
std::string render_stored_result(const store::Job& job);

// `cancel`.
std::string render_cancel_report(const nlohmann::json& job, bool interrupt_attempted,
                                 bool interrupted);

// Escapes a value for a Markdown table cell (pipes, newlines).
std::string markdown_cell(const std::string& text);

}  // namespace companion::render
