#include "mcp/results.h"

#include <fmt/format.h>

#include "sys/json_read.h"

namespace companion::mcp {

namespace {

using nlohmann::json;

constexpr int kPollIntervalMs = 2000;

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

json text_item(std::string text) {
  json item = json::object();
  item["type"] = "text";
  item["text"] = std::move(text);
  return item;
}

std::string dump(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace

CliOutcome read_cli_outcome(int exit_code, const std::string& out, const std::string& err_tail,
                            const std::string& what) {
  CliOutcome outcome;
  if (exit_code != 0) {
    outcome.error = last_line(err_tail);
    if (outcome.error.empty()) {
      outcome.error = fmt::format(
          "codex-companion: {} failed ({})", what,
          exit_code < 0 ? "did not exit normally" : fmt::format("exit code {}", exit_code));
    }
    return outcome;
  }
  json value = sys::parse_json(out);
  if (!value.is_object()) {
    outcome.error = fmt::format("codex-companion: {} printed no JSON", what);
    return outcome;
  }
  outcome.ok = true;
  outcome.value = std::move(value);
  outcome.notes = err_tail;
  return outcome;
}

json tool_result(json structured) {
  std::string text = dump(structured);
  json result = json::object();
  result["content"] = json::array();
  result["content"].push_back(text_item(std::move(text)));
  result["structuredContent"] = std::move(structured);
  result["isError"] = false;
  return result;
}

json tool_error(const std::string& line) {
  json result = json::object();
  result["content"] = json::array();
  result["content"].push_back(text_item(line));
  result["isError"] = true;
  return result;
}

std::string job_status(const json& job) {
  return sys::json_text(job, "status");
}

bool job_terminal(const json& job) {
  std::string status = job_status(job);
  return status == "completed" || status == "failed" || status == "cancelled";
}

json task_of(const json& job) {
  std::string status = job_status(job);
  std::string task_status = job_terminal(job) ? status : "working";
  std::string message = sys::json_text(job, "errorMessage");
  if (message.empty()) message = sys::json_text(job, "phase");
  json task = {{"taskId", sys::json_text(job, "id")},
               {"status", task_status},
               {"ttl", nullptr},
               {"createdAt", sys::json_text(job, "createdAt")},
               {"lastUpdatedAt", sys::json_text(job, "updatedAt")},
               {"pollInterval", kPollIntervalMs}};
  if (task["lastUpdatedAt"] == "") task["lastUpdatedAt"] = task["createdAt"];
  if (!message.empty()) task["statusMessage"] = message;
  return task;
}

json finished_job_result(const json& result) {
  const json& job = sys::json_object(result, "job");
  json structured = {{"jobId", sys::json_text(job, "id")},
                     {"status", job_status(job)},
                     {"job", job},
                     {"storedJob", sys::json_object(result, "storedJob")}};
  bool completed = job_status(job) == "completed";
  json answer = tool_result(std::move(structured));
  answer["isError"] = !completed;
  std::string rendered = sys::json_text(sys::json_object(result, "storedJob"), "rendered");
  if (!rendered.empty()) {
    answer["content"].push_back(text_item(rendered));
  }
  return answer;
}

json still_running_result(const json& job) {
  std::string id = sys::json_text(job, "id");
  std::string next = fmt::format(
      "Job {} is still {}; it keeps running. Fetch its result later with codex_result "
      "{{\"jobId\":\"{}\"}}, or follow it with codex_status / codex_logs.",
      id, job_status(job), id);
  json structured = {{"jobId", id},
                     {"status", job_status(job)},
                     {"waitTimedOut", true},
                     {"job", job},
                     {"next", next}};
  json answer = tool_result(std::move(structured));
  answer["content"].insert(answer["content"].begin(), text_item(next));
  return answer;
}

std::string progress_line(const json& job) {
  auto preview = sys::json_strings(job, "progressPreview");
  if (!preview.empty()) return preview.back();
  return sys::json_text(job, "phase");
}

}  // namespace companion::mcp
