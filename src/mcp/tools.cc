#include "mcp/tools.h"

#include <fmt/format.h>

#include <array>
#include <set>

namespace companion::mcp {

namespace {

using nlohmann::json;

json job_id_property(const char* what) {
  return {{"type", "string"},
          {"description", std::string(what) +
                              " An exact job id (task-…, review-…) or a unique prefix; at most "
                              "64 characters of [a-z0-9-]."}};
}

json launch_output_schema() {
  return {{"type", "object"},
          {"properties",
           {{"jobId", {{"type", "string"}}},
            {"status", {{"type", "string"}}},
            {"waitTimedOut", {{"type", "boolean"}}},
            {"job", {{"type", "object"}}},
            {"storedJob", {{"type", "object"}}}}},
          {"required", {"jobId", "status"}}};
}

json review_input_schema(bool focus) {
  json props = {
      {"base", {{"type", "string"}, {"description", "The base branch or ref (--base)."}}},
      {"scope",
       {{"type", "string"},
        {"enum", {"auto", "working-tree", "branch"}},
        {"description",
         "What to review (--scope): auto picks the working tree when it is dirty."}}},
      {"background",
       {{"type", "boolean"},
        {"description",
         "true: answer at once with the job id (fetch it later with codex_result). false "
         "(default): wait for the review, at most about 50 s, then answer with the job id."}}}};
  props["focus"] = {{"type", "string"},
                    {"description", focus ? "What to challenge (focus text, taken literally)."
                                          : "Refused: the built-in reviewer takes no focus; use "
                                            "codex_adversarial_review."}};
  return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

json annotations(bool read_only, bool destructive) {
  return {{"readOnlyHint", read_only},
          {"destructiveHint", destructive},
          {"idempotentHint", read_only},
          {"openWorldHint", !read_only}};
}

json tool(const char* name, const char* title, const char* description, json input, json output,
          json notes, bool task_support) {
  return {{"name", name},
          {"title", title},
          {"description", description},
          {"inputSchema", std::move(input)},
          {"outputSchema", std::move(output)},
          {"annotations", std::move(notes)},
          {"execution", {{"taskSupport", task_support ? "optional" : "forbidden"}}}};
}

json task_input_schema() {
  return {
      {"type", "object"},
      {"properties",
       {{"prompt",
         {{"type", "string"}, {"description", "What Codex should do (taken literally)."}}},
        {"background",
         {{"type", "boolean"},
          {"description",
           "true: answer at once with the job id. false (default): wait for the task, at most "
           "about 50 s, then answer with the job id to fetch with codex_result."}}},
        {"write",
         {{"type", "boolean"},
          {"description", "Let Codex edit files in the workspace (sandbox workspace-write)."}}},
        {"model", {{"type", "string"}, {"description", "Codex model (--model; `spark` alias)."}}},
        {"effort",
         {{"type", "string"},
          {"enum", {"none", "minimal", "low", "medium", "high", "xhigh"}},
          {"description", "Reasoning effort (--effort)."}}},
        {"resumeThread",
         {{"type", {"string", "boolean"}},
          {"description",
           "A Codex thread id to continue (--resume-thread), or true to continue the latest "
           "finished task thread of this workspace (--resume)."}}}}},
      {"required", {"prompt"}},
      {"additionalProperties", false}};
}

// The outputSchema of the tools that print a CLI payload, by tool.
json output_schema(std::string_view tool) {
  if (tool == "codex_status") {
    return {{"type", "object"},
            {"properties", {{"workspaceRoot", {{"type", "string"}}}}},
            {"required", {"workspaceRoot"}}};
  }
  if (tool == "codex_result") {
    return {{"type", "object"},
            {"properties", {{"job", {{"type", "object"}}}, {"storedJob", {{"type", "object"}}}}},
            {"required", {"job", "storedJob"}}};
  }
  if (tool == "codex_cancel") {
    return {{"type", "object"},
            {"properties", {{"jobId", {{"type", "string"}}}, {"status", {{"type", "string"}}}}},
            {"required", {"jobId", "status"}}};
  }
  return {{"type", "object"},
          {"properties",
           {{"job", {{"type", "object"}}},
            {"logFile", {{"type", "string"}}},
            {"lines", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
          {"required", {"job", "lines"}}};
}

json build_catalogue() {
  json task_input = task_input_schema();
  auto optional_job = [](const char* what) {
    return json{{"type", "object"},
                {"properties", {{"jobId", job_id_property(what)}}},
                {"additionalProperties", false}};
  };
  json logs_input = {{"type", "object"},
                     {"properties",
                      {{"jobId", job_id_property("The job.")},
                       {"lines",
                        {{"type", "integer"},
                         {"minimum", 1},
                         {"description", "How many of the last log lines (default 200)."}}}}},
                     {"required", {"jobId"}},
                     {"additionalProperties", false}};
  return json::array({
      tool("codex_task", "Delegate a task to Codex",
           "Hand a task to OpenAI's Codex CLI as a durable job of this workspace. Answers with "
           "the result when it finishes within about 50 s, else with the job id: fetch it with "
           "codex_result (or follow it with codex_status / codex_logs).",
           task_input, launch_output_schema(), annotations(false, true), true),
      tool("codex_review", "Codex code review",
           "Run Codex's built-in reviewer over the working tree or the branch, as a durable job.",
           review_input_schema(false), launch_output_schema(), annotations(false, false), true),
      tool("codex_adversarial_review", "Codex adversarial review",
           "A steerable, read-only challenge review of the working tree or branch with "
           "structured findings, as a durable job.",
           review_input_schema(true), launch_output_schema(), annotations(false, false), true),
      tool("codex_status", "Codex job status",
           "Active and recent Codex jobs of this workspace, or one job in full.",
           optional_job("The job to show (default: the workspace overview)."),
           output_schema("codex_status"), annotations(true, false), false),
      tool("codex_result", "Codex job result",
           "The stored final output of a finished job (default: the latest finished one).",
           optional_job("The finished job (default: the latest)."), output_schema("codex_result"),
           annotations(true, false), false),
      tool("codex_cancel", "Cancel a Codex job",
           "Cancel an active job: interrupt the Codex turn, end its worker, mark it cancelled.",
           optional_job("The job (default: the only active job)."), output_schema("codex_cancel"),
           annotations(false, true), false),
      tool("codex_logs", "Codex job log", "The last lines of a job's progress log.", logs_input,
           output_schema("codex_logs"), annotations(true, false), false),
  });
}

// Reads the members of `arguments`, refusing unknown ones and wrong types.
class ArgReader {
 public:
  ArgReader(std::string_view tool, const json& arguments) : tool_(tool), args_(arguments) {}

  Result<std::optional<std::string>> text(const char* key) {
    seen_.insert(key);
    auto it = args_.find(key);
    if (it == args_.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) return wrong(key, "a string");
    return std::optional<std::string>(it->get<std::string>());
  }
  Result<bool> flag(const char* key) {
    seen_.insert(key);
    auto it = args_.find(key);
    if (it == args_.end() || it->is_null()) return false;
    if (!it->is_boolean()) return wrong(key, "a boolean");
    return it->get<bool>();
  }
  Result<std::optional<int64_t>> integer(const char* key) {
    seen_.insert(key);
    auto it = args_.find(key);
    if (it == args_.end() || it->is_null()) return std::optional<int64_t>();
    if (!it->is_number_integer()) return wrong(key, "an integer");
    return std::optional<int64_t>(it->get<int64_t>());
  }
  // The member `key` as it is (any type), marking it seen.
  const json* raw(const char* key) {
    seen_.insert(key);
    auto it = args_.find(key);
    return it == args_.end() || it->is_null() ? nullptr : &*it;
  }
  Status check_unknown() const {
    for (const auto& [key, value] : args_.items()) {
      if (!seen_.count(key)) {
        return make_error("{}: unknown argument '{}'", tool_, key);
      }
    }
    return {};
  }
  Error wrong(const char* key, const char* type) const {
    return make_error("{}: argument '{}' must be {}", tool_, key, type);
  }

 private:
  std::string tool_;
  const json& args_;
  std::set<std::string> seen_;
};

// `auto var = *expr`, or return expr's error. `var` is a plain name (a declaration, so it
// cannot take parentheses).
#define MCP_TRY_ASSIGN(var, expr)       \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(*var##_r)  // NOLINT(bugprone-macro-parentheses)

void add_value(CliCall& call, const char* option, const std::optional<std::string>& value) {
  if (value) call.words.push_back(fmt::format("--{}={}", option, *value));
}

Status add_resume(CliCall& call, ArgReader& reader) {
  const json* resume = reader.raw("resumeThread");
  if (!resume) return {};
  if (resume->is_string()) {
    call.words.push_back("--resume-thread=" + resume->get<std::string>());
  } else if (resume->is_boolean()) {
    if (resume->get<bool>()) call.words.push_back("--resume");
  } else {
    return reader.wrong("resumeThread", "a thread id (string) or true");
  }
  return {};
}

Result<CliCall> task_call(ArgReader& reader) {
  CliCall call{"codex_task", {"task", "--background"}, {}, CallMode::kLaunchAndWait, true};
  MCP_TRY_ASSIGN(prompt, reader.text("prompt"));
  if (!prompt) return make_error("codex_task: argument 'prompt' is required");
  MCP_TRY_ASSIGN(background, reader.flag("background"));
  MCP_TRY_ASSIGN(write, reader.flag("write"));
  MCP_TRY_ASSIGN(model, reader.text("model"));
  MCP_TRY_ASSIGN(effort, reader.text("effort"));
  if (write) call.words.push_back("--write");
  add_value(call, "model", model);
  add_value(call, "effort", effort);
  COMPANION_TRY(add_resume(call, reader));
  if (background) call.mode = CallMode::kLaunch;
  call.after_dashes.push_back(*prompt);
  return call;
}

Result<CliCall> review_call(ArgReader& reader, const char* tool, const char* command) {
  CliCall call{tool, {command, "--background"}, {}, CallMode::kLaunchAndWait, true};
  MCP_TRY_ASSIGN(base, reader.text("base"));
  MCP_TRY_ASSIGN(scope, reader.text("scope"));
  MCP_TRY_ASSIGN(focus, reader.text("focus"));
  MCP_TRY_ASSIGN(background, reader.flag("background"));
  add_value(call, "base", base);
  add_value(call, "scope", scope);
  if (background) call.mode = CallMode::kLaunch;
  if (focus && !focus->empty()) call.after_dashes.push_back(*focus);
  return call;
}

Result<CliCall> job_call(ArgReader& reader, const char* tool, const char* command, bool required) {
  CliCall call{tool, {command}, {}, CallMode::kRun, false};
  MCP_TRY_ASSIGN(job, reader.text("jobId"));
  if (!job && required) return make_error("{}: argument 'jobId' is required", tool);
  if (job) call.after_dashes.push_back(*job);
  return call;
}

Result<CliCall> dispatch(std::string_view name, ArgReader& reader) {
  if (name == "codex_task") return task_call(reader);
  if (name == "codex_review") return review_call(reader, "codex_review", "review");
  if (name == "codex_adversarial_review") {
    return review_call(reader, "codex_adversarial_review", "adversarial-review");
  }
  if (name == "codex_status") return job_call(reader, "codex_status", "status", false);
  if (name == "codex_result") return job_call(reader, "codex_result", "result", false);
  if (name == "codex_cancel") return job_call(reader, "codex_cancel", "cancel", false);
  if (name == "codex_logs") {
    auto call = job_call(reader, "codex_logs", "logs", true);
    if (!call) return call;
    MCP_TRY_ASSIGN(lines, reader.integer("lines"));
    if (lines) call->words.push_back(fmt::format("--lines={}", *lines));
    return call;
  }
  return make_error("unknown tool '{}'", name);
}

}  // namespace

const nlohmann::json& tool_catalogue() {
  static const json kCatalogue = build_catalogue();
  return kCatalogue;
}

bool known_tool(std::string_view name) {
  for (const auto& entry : tool_catalogue()) {
    if (entry["name"] == name) return true;
  }
  return false;
}

Result<CliCall> cli_call(std::string_view name, const nlohmann::json& arguments) {
  if (!known_tool(name)) return make_error("unknown tool '{}'", name);
  if (!arguments.is_object()) return make_error("{}: arguments must be an object", name);
  ArgReader reader(name, arguments);
  auto call = dispatch(name, reader);
  if (!call) return call;
  COMPANION_TRY(reader.check_unknown());
  return call;
}

std::vector<std::string> cli_argv(const CliCall& call, const std::string& cwd) {
  std::vector<std::string> argv = call.words;
  argv.insert(argv.end(), {"--json", "--cwd=" + cwd});
  if (!call.after_dashes.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), call.after_dashes.begin(), call.after_dashes.end());
  }
  return argv;
}

}  // namespace companion::mcp
