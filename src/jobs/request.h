// What a job runs, as stored in the job's `request` field, so a background worker can run exactly
// what its launcher prepared (the git context and the prompt are collected at launch).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "codex/run_turn.h"
#include "store/job.h"
#include "sys/result.h"

namespace companion::jobs {

struct JobRequest {
  store::JobKind kind = store::JobKind::kTask;
  std::string cwd;     // the workspace root the app-server runs in
  std::string prompt;  // task: the user's prompt; adversarial-review: the filled template
  std::optional<std::string> model;
  std::optional<std::string> effort;
  bool write = false;
  // task: run in a fresh git worktree on branch codex/<job id> (implies write; jobs/write_task.h)
  bool worktree = false;
  std::string from_review;       // task: the review job whose findings the prompt was built from
  std::string retry_of;          // `retry JOB`: the failed or cancelled job this one runs again
  std::string resume_thread_id;  // empty: a new thread
  bool resume_last = false;      // task: --resume/--resume-last was given
  std::string thread_name;       // persistent name for task threads
  // The Codex home of the run that created the job (real path): where its thread is stored, when
  // Codex does not say (initialize's codexHome, recorded in the job's `resolved`).
  std::string codex_home;
  nlohmann::json output_schema;  // adversarial-review: the JSON schema of the answer
  nlohmann::json review_target;  // review: the app-server target
  nlohmann::json target;         // reviews: {mode, label, baseRef, explicit}
  nlohmann::json context;        // adversarial-review: {repoRoot, branch, summary}
  std::string focus;             // adversarial-review: the user's focus text
  std::string title;             // shown by `status`; empty: the kind's title (job_title)
  // A new thread kept out of Codex's history (the stop-time review gate); nullopt: the kind's
  // default (tasks kept, reviews not). Such a task is never offered for `task --resume`.
  std::optional<bool> ephemeral;
};

// The stored form. It keeps the keys of the reference plugin's stored task request (cwd, model,
// effort, prompt, write, resumeLast; JobStore::create adds jobId) and adds ours.
nlohmann::json to_json(const JobRequest& request);
// Reads a stored request tolerantly: a field of the wrong type is absent. Errors: not an object,
// an unknown kind, no working directory.
Result<JobRequest> request_from_json(const nlohmann::json& json);
codex::TurnSpec to_turn_spec(const JobRequest& request, const codex::CodexCommand& codex);

// The review target's label ("working tree diff", …); empty for a task.
std::string target_label(const JobRequest& request);

// Title and summary shown by `status` for a request: "Codex Task", "Codex Resume" (a task that
// continues the previous thread), "Codex Review", "Codex Adversarial Review".
std::string job_title(const JobRequest& request);
std::string job_summary(const JobRequest& request);

}  // namespace companion::jobs
