// Snapshots of jobs (the JSON that `status` prints) and their Markdown text.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "store/job.h"
#include "sys/env.h"

namespace companion::render {

// "0s", "45s", "3m 12s", "2h 05m".
std::string format_duration(int64_t ms);

// The job's JSON plus `progressPreview` (last 4 progress lines of its log, when asked),
// `elapsed` (since start, for active jobs) and `duration` (start to end, for finished ones).
nlohmann::json job_snapshot(sys::Env& env, const store::Job& job, int64_t now_ms,
                            bool with_preview);

// `status` without a job: report = {workspaceRoot, config, sessionRuntime, running[],
// latestFinished, recent[], needsReview}.
std::string render_status_report(const nlohmann::json& report);

// `status JOB`.
std::string render_job_status(const nlohmann::json& job);

// `result`: the stored output of a finished job, with the Codex resume hint.
std::string render_stored_result(const store::Job& job);

// `cancel`.
std::string render_cancel_report(const nlohmann::json& job, bool interrupt_attempted,
                                 bool interrupted);

// Escapes a value for a Markdown table cell (pipes, newlines).
std::string markdown_cell(const std::string& text);

}  // namespace companion::render
