#include "jobs/request.h"

#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::jobs {

namespace {

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

nlohmann::json to_json(const JobRequest& r) {
  return {{"kind", store::to_string(r.kind)},
          {"cwd", r.cwd},
          {"prompt", r.prompt},
          {"model", optional_text(r.model)},
          {"effort", optional_text(r.effort)},
          {"write", r.write},
          {"worktree", r.worktree},
          {"fromReview", r.from_review.empty() ? nlohmann::json() : nlohmann::json(r.from_review)},
          {"retryOf", r.retry_of.empty() ? nlohmann::json() : nlohmann::json(r.retry_of)},
          {"resumeLast", r.resume_last},
          {"resumeThreadId",
           r.resume_thread_id.empty() ? nlohmann::json() : nlohmann::json(r.resume_thread_id)},
          {"threadName", r.thread_name},
          {"codexHome", r.codex_home},
          {"outputSchema", r.output_schema},
          {"reviewTarget", r.review_target},
          {"target", r.target},
          {"context", r.context},
          {"focus", r.focus},
          {"title", r.title},
          {"ephemeral", r.ephemeral ? nlohmann::json(*r.ephemeral) : nlohmann::json()}};
}

Result<JobRequest> request_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error("the job's stored request is missing or not an object");
  JobRequest r;
  std::string kind = sys::json_text(j, "kind");
  auto parsed = store::parse_job_kind(kind);
  if (!parsed) return make_error("the job's stored request has an unknown kind '{}'", kind);
  r.kind = *parsed;
  r.cwd = sys::json_text(j, "cwd");
  if (r.cwd.empty()) return make_error("the job's stored request has no working directory");
  r.prompt = sys::json_text(j, "prompt");
  r.model = sys::json_string(j, "model");
  r.effort = sys::json_string(j, "effort");
  r.write = sys::json_bool(j, "write").value_or(false);
  r.worktree = sys::json_bool(j, "worktree").value_or(false);
  r.from_review = sys::json_text(j, "fromReview");
  r.retry_of = sys::json_text(j, "retryOf");
  r.resume_thread_id = sys::json_text(j, "resumeThreadId");
  r.resume_last = sys::json_bool(j, "resumeLast").value_or(false);
  r.thread_name = sys::json_text(j, "threadName");
  r.codex_home = sys::json_text(j, "codexHome");
  r.output_schema = sys::json_value(j, "outputSchema");
  r.review_target = sys::json_value(j, "reviewTarget");
  r.target = sys::json_value(j, "target");
  r.context = sys::json_value(j, "context");
  r.focus = sys::json_text(j, "focus");
  r.title = sys::json_text(j, "title");
  r.ephemeral = sys::json_bool(j, "ephemeral");
  return r;
}

codex::TurnSpec to_turn_spec(const JobRequest& r, const codex::CodexCommand& codex) {
  codex::TurnSpec spec;
  spec.kind = r.kind;
  spec.codex = codex;
  spec.cwd = r.cwd;
  spec.prompt = r.prompt;
  spec.model = r.model;
  spec.effort = r.effort;
  spec.write = r.write || r.worktree;
  spec.resume_thread_id = r.resume_thread_id;
  spec.thread_name = r.thread_name;
  spec.ephemeral = r.ephemeral;
  spec.output_schema = r.output_schema;
  spec.review_target = r.review_target;
  return spec;
}

std::string job_title(const JobRequest& r) {
  if (!r.title.empty()) return r.title;
  switch (r.kind) {
    case store::JobKind::kTask:
      return r.resume_last || !r.resume_thread_id.empty() ? "Codex Resume" : "Codex Task";
    case store::JobKind::kReview:
      return "Codex Review";
    case store::JobKind::kAdversarialReview:
      return "Codex Adversarial Review";
  }
  return "Codex Job";
}

std::string target_label(const JobRequest& r) {
  return sys::json_text(r.target, "label");
}

std::string job_summary(const JobRequest& r) {
  std::string label = target_label(r);
  switch (r.kind) {
    case store::JobKind::kTask:
      if (!r.from_review.empty()) return "Fix the findings of review " + r.from_review;
      return sys::excerpt(r.prompt, 96);
    case store::JobKind::kReview:
      return "Review of the " + label;
    case store::JobKind::kAdversarialReview:
      break;
  }
  return sys::excerpt(
      "Adversarial review of the " + label + (r.focus.empty() ? "" : ": " + r.focus), 96);
}

}  // namespace companion::jobs
