// From what a CLI command printed to what the MCP client gets (sans-IO): tool results
// (structuredContent plus the same JSON as a text item, or isError with the CLI's one line) and
// MCP tasks made from job snapshots (the task id is the job id).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace companion::mcp {

// What one run of the CLI gave.
struct CliOutcome {
  bool ok = false;       // exit 0 and one JSON object on stdout
  nlohmann::json value;  // that object when ok
  std::string error;     // else the CLI's error line ("codex-companion: …"), one line
  std::string notes;     // stderr lines of a run that succeeded (notes), may be empty
};

// Reads a finished CLI run: exit code, stdout, the tail of stderr. A zero exit whose stdout is
// not a JSON object is an error too ("… printed no JSON").
CliOutcome read_cli_outcome(int exit_code, const std::string& out, const std::string& err_tail,
                            const std::string& what);

// CallToolResult {content:[{type:"text", text: JSON}], structuredContent, isError:false}.
nlohmann::json tool_result(nlohmann::json structured);
// CallToolResult {content:[{type:"text", text: line}], isError:true}.
nlohmann::json tool_error(const std::string& line);

// The job status of a snapshot ("queued", "running", "completed", "failed", "cancelled"; "" when
// absent) and whether it is terminal.
std::string job_status(const nlohmann::json& job);
bool job_terminal(const nlohmann::json& job);

// The MCP Task for a job snapshot: {taskId: id, status: working|completed|failed|cancelled,
// statusMessage, createdAt, lastUpdatedAt, ttl: null (the store keeps it), pollInterval}.
nlohmann::json task_of(const nlohmann::json& job);

// The answer of a job-starting tool once the job is terminal, from `result JOB --json`
// ({job, storedJob}): {jobId, status, job, storedJob}; isError when the job did not complete.
nlohmann::json finished_job_result(const nlohmann::json& result);

// The answer of a job-starting tool that is still running after the wait: {jobId, status,
// waitTimedOut:true, job, next} with a text item saying how to fetch it.
nlohmann::json still_running_result(const nlohmann::json& job);

// The last line of the job's progress preview (for progress messages), else its phase.
std::string progress_line(const nlohmann::json& job);

}  // namespace companion::mcp
