#include "jobs/request.h"

namespace companion::jobs {

namespace {

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

std::optional<std::string> read_optional(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string read_text(const nlohmann::json& j, const char* key) {
  return read_optional(j, key).value_or("");
}

nlohmann::json read_value(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nlohmann::json() : *it;
}

}  // namespace

std::string excerpt(const std::string& text, size_t max) {
  std::string flat;
  bool space = false;
  for (char c : text) {
    bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (ws) {
      space = !flat.empty();
      continue;
    }
    if (space) flat.push_back(' ');
    space = false;
    flat.push_back(c);
  }
  if (flat.size() <= max) return flat;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(flat[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return flat.substr(0, cut) + "…";
}

nlohmann::json to_json(const JobRequest& r) {
  return {{"kind", r.kind},
          {"cwd", r.cwd},
          {"prompt", r.prompt},
          {"model", optional_text(r.model)},
          {"effort", optional_text(r.effort)},
          {"write", r.write},
          {"resumeThreadId",
           r.resume_thread_id.empty() ? nlohmann::json() : nlohmann::json(r.resume_thread_id)},
          {"threadName", r.thread_name},
          {"outputSchema", r.output_schema},
          {"reviewTarget", r.review_target},
          {"target", r.target},
          {"context", r.context},
          {"focus", r.focus}};
}

Result<JobRequest> request_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error("the job's stored request is missing or not an object");
  JobRequest r;
  r.kind = read_text(j, "kind");
  if (r.kind != "task" && r.kind != "review" && r.kind != "adversarial-review") {
    return make_error("the job's stored request has an unknown kind '{}'", r.kind);
  }
  r.cwd = read_text(j, "cwd");
  if (r.cwd.empty()) return make_error("the job's stored request has no working directory");
  r.prompt = read_text(j, "prompt");
  r.model = read_optional(j, "model");
  r.effort = read_optional(j, "effort");
  r.write = j.value("write", false);
  r.resume_thread_id = read_text(j, "resumeThreadId");
  r.thread_name = read_text(j, "threadName");
  r.output_schema = read_value(j, "outputSchema");
  r.review_target = read_value(j, "reviewTarget");
  r.target = read_value(j, "target");
  r.context = read_value(j, "context");
  r.focus = read_text(j, "focus");
  return r;
}

codex::TurnSpec to_turn_spec(const JobRequest& r) {
  codex::TurnSpec spec;
  spec.kind = r.kind == "task"     ? codex::TurnSpec::Kind::kTask
              : r.kind == "review" ? codex::TurnSpec::Kind::kReview
                                   : codex::TurnSpec::Kind::kAdversarialReview;
  spec.cwd = r.cwd;
  spec.prompt = r.prompt;
  spec.model = r.model;
  spec.effort = r.effort;
  spec.write = r.write;
  spec.resume_thread_id = r.resume_thread_id;
  spec.thread_name = r.thread_name;
  spec.output_schema = r.output_schema;
  spec.review_target = r.review_target;
  return spec;
}

std::string job_title(const JobRequest& r) {
  if (r.kind == "task") return "Codex Task";
  if (r.kind == "review") return "Codex Review";
  return "Codex Adversarial Review";
}

std::string target_label(const JobRequest& r) {
  auto it = r.target.find("label");  // end() for a null or non-object target
  return it != r.target.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string job_summary(const JobRequest& r) {
  std::string label = target_label(r);
  if (r.kind == "task") return excerpt(r.prompt, 96);
  if (r.kind == "review") return "Review of the " + label;
  return excerpt("Adversarial review of the " + label + (r.focus.empty() ? "" : ": " + r.focus),
                 96);
}

}  // namespace companion::jobs
