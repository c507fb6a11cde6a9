#include "render/status.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "render/changes.h"
#include "render/tokens.h"
#include "store/job_log.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::render {

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  return sys::json_text(j, key);
}

// The member `key` when it is an array, else an empty array: the report's lists are read as
// tolerantly as the jobs in them.
const nlohmann::json& array_field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json* v = sys::json_field(j, key);
  return v != nullptr && v->is_array() ? *v : kEmpty;
}

bool is_active_status(const std::string& status) {
  return status == "queued" || status == "running";
}

std::string ensure_newline(std::string text) {
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out.append(l).push_back('\n');
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

// "model gpt-5.5, effort medium, sandbox read-only, approval never, Codex 0.169.0, runtime shared"
// from the job's `resolved` object (what Codex resolved; unknown members left out).
std::string describe_resolved(const nlohmann::json& resolved) {
  static constexpr std::array<std::pair<const char*, const char*>, 7> kParts = {{
      {"model", "model"},
      {"effort", "effort"},
      {"modelProvider", "provider"},
      {"sandbox", "sandbox"},
      {"approvalPolicy", "approval"},
      {"codexVersion", "Codex"},
      {"runtime", "runtime"},
  }};
  std::string out;
  for (const auto& [key, label] : kParts) {
    std::string value = str(resolved, key);
    if (value.empty()) continue;
    out += (out.empty() ? "" : ", ") + std::string(label) + " " + value;
  }
  return out;
}

struct DetailOptions {
  bool elapsed = false;
  bool duration = false;
  bool log = false;
  bool hints = false;
};

void push_job_details(std::vector<std::string>& lines, const nlohmann::json& job,
                      const DetailOptions& o) {
  std::string status = str(job, "status");
  std::string head = "- " + str(job, "id") + " | " + status + " | " + str(job, "kindLabel");
  if (!str(job, "title").empty()) head += " | " + str(job, "title");
  lines.push_back(head);
  if (!str(job, "summary").empty()) lines.push_back("  Summary: " + str(job, "summary"));
  if (!str(job, "phase").empty()) lines.push_back("  Phase: " + str(job, "phase"));
  if (std::string of = str(sys::json_object(job, "request"), "retryOf"); !of.empty()) {
    lines.push_back("  Retry of: " + of);
  }
  if (str(job, "origin") == "stop-gate") lines.push_back("  Origin: stop-time review gate");
  if (auto pos = job.find("queuePosition"); pos != job.end() && pos->is_number_unsigned()) {
    std::string hold = str(job, "queueHold");
    lines.push_back(fmt::format("  Queue position: {} ({})", pos->get<size_t>(),
                                hold.empty()
                                    ? "it starts when a slot frees; `config get max-parallel`"
                                    : "the queue is " + hold));
  }
  if (o.elapsed && !str(job, "elapsed").empty())
    lines.push_back("  Elapsed: " + str(job, "elapsed"));
  if (o.duration && !str(job, "duration").empty()) {
    lines.push_back("  Duration: " + str(job, "duration"));
  }
  if (std::string tokens = describe_token_usage(sys::json_value(job, "tokenUsage"));
      !tokens.empty()) {
    lines.push_back("  Tokens: " + tokens);
  }
  if (std::string codex = describe_resolved(sys::json_object(job, "resolved")); !codex.empty()) {
    lines.push_back("  Resolved by Codex: " + codex);
  }
  if (!str(job, "endReason").empty() && !is_active_status(status)) {
    lines.push_back("  End reason: " + str(job, "endReason"));
  }
  if (!str(job, "errorMessage").empty()) lines.push_back("  Error: " + str(job, "errorMessage"));
  if (std::string thread = str(job, "threadId"); sys::is_codex_id(thread)) {
    lines.push_back("  Codex session ID: " + thread);
    lines.push_back("  Resume in Codex: codex resume " + thread);
  }
  if (o.log && !str(job, "logFile").empty()) lines.push_back("  Log: " + str(job, "logFile"));
  if (o.hints && is_active_status(status))
    lines.push_back("  Cancel: /codex:cancel " + str(job, "id"));
  if (o.hints && !is_active_status(status))
    lines.push_back("  Result: /codex:result " + str(job, "id"));
  auto preview = job.find("progressPreview");
  if (preview != job.end() && preview->is_array() && !preview->empty()) {
    lines.push_back("  Progress:");
    for (const auto& p : *preview) {
      if (p.is_string()) lines.push_back("    " + p.get<std::string>());
    }
  }
}

// "queued (#2)" for a job waiting for a slot, else its status.
std::string status_cell(const nlohmann::json& job) {
  auto pos = job.find("queuePosition");
  if (pos == job.end() || !pos->is_number_unsigned()) return str(job, "status");
  return fmt::format("{} (#{})", str(job, "status"), pos->get<size_t>());
}

void push_active_table(std::vector<std::string>& lines, const nlohmann::json& running) {
  lines.push_back("Active jobs:");
  lines.push_back(
      "| Job | Kind | Status | Phase | Elapsed | Codex Session ID | Summary | Actions |");
  lines.push_back("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const auto& job : running) {
    std::string id = str(job, "id");
    lines.push_back(fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | `/codex:status {}`<br>`/codex:cancel {}` |",
        markdown_cell(id), markdown_cell(str(job, "kindLabel")), markdown_cell(status_cell(job)),
        markdown_cell(str(job, "phase")), markdown_cell(str(job, "elapsed")),
        markdown_cell(str(job, "threadId")), markdown_cell(str(job, "summary")), id, id));
  }
}

// "Usage limits (as of T): primary (300 min) 42% used, resets T; …" from status's usageLimits.
void push_usage_limits(std::vector<std::string>& lines, const nlohmann::json& limits) {
  const nlohmann::json* windows = sys::json_field(limits, "windows");
  if (windows == nullptr || !windows->is_array() || windows->empty()) return;
  std::string text;
  for (const auto& w : *windows) {
    const nlohmann::json* used = sys::json_field(w, "usedPercent");
    std::string part = str(w, "name");
    if (auto minutes = sys::json_int(w, "windowDurationMins"))
      part += fmt::format(" ({} min)", *minutes);
    part += fmt::format(" {:g}% used", used && used->is_number() ? used->get<double>() : 0.0);
    if (!str(w, "resetsAt").empty()) part += ", resets " + str(w, "resetsAt");
    text += (text.empty() ? "" : "; ") + part;
  }
  lines.push_back("Codex usage limits (as of " + str(limits, "recordedAt") + "): " + text);
  if (!str(limits, "exhaustedUntil").empty()) {
    lines.push_back("Usage limit reached: queued jobs start after " +
                    str(limits, "exhaustedUntil"));
  }
}

}  // namespace

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string format_duration(int64_t ms) {
  int64_t secs = ms <= 0 ? 0 : (ms + 500) / 1000;
  if (secs < 60) return fmt::format("{}s", secs);
  if (secs < 3600) return fmt::format("{}m {}s", secs / 60, secs % 60);
  return fmt::format("{}h {}m", secs / 3600, (secs % 3600) / 60);
}

nlohmann::json job_snapshot(sys::Env& env, const store::Job& job, int64_t now_ms) {
  nlohmann::json j = store::to_json(job);
  int64_t start = job.started_at != 0 ? job.started_at : job.created_at;
  if (job.active()) {
    j["elapsed"] = format_duration(now_ms - start);
    j["duration"] = nullptr;
  } else {
    int64_t end = job.completed_at != 0 ? job.completed_at : job.updated_at;
    j["elapsed"] = format_duration(end - start);
    j["duration"] = format_duration(end - start);
  }
  bool preview = job.active() || job.status == store::JobStatus::kFailed;
  j["progressPreview"] = preview ? nlohmann::json(store::progress_preview(env, job.log_file, 4))
                                 : nlohmann::json::array();
  return j;
}

std::string render_status_report(const nlohmann::json& report) {
  std::vector<std::string> lines = {"# Codex Status", ""};
  lines.push_back("Session runtime: " + str(sys::json_object(report, "sessionRuntime"), "label"));
  lines.push_back("Workspace: " + str(report, "workspaceRoot"));
  bool gate = sys::json_bool(sys::json_object(report, "config"), "stopReviewGate").value_or(false);
  lines.push_back(std::string("Review gate: ") + (gate ? "enabled" : "disabled"));
  push_usage_limits(lines, sys::json_object(report, "usageLimits"));
  if (const nlohmann::json* queue = sys::json_field(report, "queue");
      queue != nullptr && queue->is_object()) {
    std::string hold = str(*queue, "hold");
    if (!hold.empty()) {
      lines.push_back(fmt::format("Queue held: {}; {} job(s) waiting.", hold,
                                  sys::json_int(*queue, "waiting").value_or(0)));
    }
  }
  if (const nlohmann::json* total = sys::json_field(report, "tokenUsage");
      total != nullptr && total->is_object()) {
    lines.push_back(fmt::format("Tokens of the {} listed job(s) that reported usage: {}",
                                sys::json_int(*total, "jobs").value_or(0),
                                describe_token_usage(*total)));
  }
  lines.push_back("");
  const auto& running = array_field(report, "running");
  if (!running.empty()) {
    push_active_table(lines, running);
    lines.push_back("");
    lines.push_back("Live details:");
    for (const auto& job : running) push_job_details(lines, job, {.elapsed = true, .log = true});
    lines.push_back("");
  }
  const nlohmann::json* latest = sys::json_field(report, "latestFinished");
  bool has_latest = latest != nullptr && latest->is_object();
  if (has_latest) {
    lines.push_back("Latest finished:");
    push_job_details(lines, *latest,
                     {.duration = true, .log = str(*latest, "status") == "failed", .hints = true});
    lines.push_back("");
  }
  const auto& recent = array_field(report, "recent");
  if (!recent.empty()) {
    lines.push_back("Recent jobs:");
    for (const auto& job : recent) {
      push_job_details(lines, job, {.duration = true, .log = str(job, "status") == "failed"});
    }
    lines.push_back("");
  } else if (running.empty() && !has_latest) {
    lines.push_back("No jobs recorded yet.");
  }
  return join_lines(lines);
}

std::string render_job_status(const nlohmann::json& job) {
  std::vector<std::string> lines = {"# Codex Job Status", ""};
  bool active = is_active_status(str(job, "status"));
  push_job_details(lines, job,
                   {.elapsed = active, .duration = !active, .log = true, .hints = true});
  return join_lines(lines);
}

std::string render_stored_result(const store::Job& job) {
  std::string resume;
  if (std::string tokens = describe_token_usage(job.token_usage); !tokens.empty()) {
    resume = "\nTokens: " + tokens + "\n";
  }
  if (sys::is_codex_id(job.thread_id)) {
    resume += (resume.empty() ? "\n" : "") + std::string("Codex session ID: ") + job.thread_id +
              "\nResume in Codex: codex resume " + job.thread_id + "\n";
  }
  // As the reference plugin shows a result: an adversarial review (its payload has `result` or
  // `parseError`) as rendered; a task or a native review as Codex's own text (rawOutput, or the
  // reviewer's codex.stdout), without our heading; anything else as rendered.
  bool structured = job.result.is_object() &&
                    (job.result.contains("result") || job.result.contains("parseError"));
  if (structured && !job.rendered.empty()) return ensure_newline(job.rendered) + resume;
  std::string raw = sys::json_text(job.result, "rawOutput");
  if (raw.empty()) raw = sys::json_text(sys::json_object(job.result, "codex"), "stdout");
  // A write task adds what git saw change (ours: render/changes.h).
  std::string changes = render_changes(sys::json_value(job.result, "changes"),
                                       sys::json_value(job.result, "worktree"));
  if (!raw.empty()) return ensure_newline(raw) + changes + resume;
  if (!job.rendered.empty()) return ensure_newline(job.rendered) + resume;
  std::vector<std::string> lines = {"# " + (job.title.empty() ? "Codex Result" : job.title), "",
                                    "Job: " + job.id,
                                    "Status: " + std::string(store::to_string(job.status))};
  if (job.end_reason)
    lines.push_back("End reason: " + std::string(store::to_string(*job.end_reason)));
  if (sys::is_codex_id(job.thread_id)) {
    lines.push_back("Codex session ID: " + job.thread_id);
    lines.push_back("Resume in Codex: codex resume " + job.thread_id);
  }
  if (!job.summary.empty()) lines.push_back("Summary: " + job.summary);
  lines.push_back("");
  lines.push_back(job.error_message.empty() ? "No captured result payload was stored for this job."
                                            : job.error_message);
  return join_lines(lines);
}

std::string render_cancel_report(const nlohmann::json& job, bool interrupt_attempted,
                                 bool interrupted) {
  std::vector<std::string> lines = {"# Codex Cancel", "", "Cancelled " + str(job, "id") + ".", ""};
  if (!str(job, "title").empty()) lines.push_back("- Title: " + str(job, "title"));
  if (!str(job, "summary").empty()) lines.push_back("- Summary: " + str(job, "summary"));
  if (interrupt_attempted) {
    lines.push_back(std::string("- Codex turn interrupt: ") +
                    (interrupted ? "acknowledged" : "not acknowledged (the worker was stopped)"));
  }
  lines.push_back("- Check `/codex:status` for the updated queue.");
  return join_lines(lines);
}

}  // namespace companion::render
