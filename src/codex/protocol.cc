#include "codex/protocol.h"

namespace companion::codex {

using Json = nlohmann::json;

namespace {

std::string string_at(const Json& value, const char* outer, const char* inner) {
  if (!value.is_object()) return {};
  auto o = value.find(outer);
  if (o == value.end() || !o->is_object()) return {};
  auto i = o->find(inner);
  if (i == o->end() || !i->is_string()) return {};
  return i->get<std::string>();
}

Json optional_string(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// The thread's configuration overrides: only the reasoning effort, when one was asked for.
void add_thread_config(Json& params, const ThreadOptions& options) {
  if (options.effort) params["config"] = {{"model_reasoning_effort", *options.effort}};
}

}  // namespace

Json initialize_params() {
  return {
      {"clientInfo",
       {{"name", kClientName}, {"title", kClientTitle}, {"version", COMPANION_VERSION}}},
      {"capabilities", {{"experimentalApi", false}, {"optOutNotificationMethods", Json::array()}}}};
}

Json thread_start_params(const ThreadOptions& options) {
  Json params = {{"cwd", options.cwd},
                 {"model", optional_string(options.model)},
                 {"approvalPolicy", "never"},
                 {"sandbox", options.write ? "workspace-write" : "read-only"},
                 {"ephemeral", options.ephemeral},
                 {"serviceName", kServiceName}};
  add_thread_config(params, options);
  return params;
}

Json thread_resume_params(const std::string& thread_id, const ThreadOptions& options) {
  Json params = {{"threadId", thread_id},
                 {"cwd", options.cwd},
                 {"model", optional_string(options.model)},
                 {"approvalPolicy", "never"},
                 {"sandbox", options.write ? "workspace-write" : "read-only"}};
  add_thread_config(params, options);
  return params;
}

Json thread_name_params(const std::string& thread_id, const std::string& name) {
  return {{"threadId", thread_id}, {"name", name}};
}

Json turn_start_params(const std::string& thread_id, const std::string& prompt,
                       const std::optional<std::string>& model,
                       const std::optional<std::string>& effort, const Json& output_schema) {
  Json input = Json::array();
  input.push_back({{"type", "text"}, {"text", prompt}, {"text_elements", Json::array()}});
  Json params = {{"threadId", thread_id}, {"input", std::move(input)}};
  if (model) params["model"] = *model;
  if (effort) params["effort"] = *effort;
  if (!output_schema.is_null()) params["outputSchema"] = output_schema;
  return params;
}

Json review_start_params(const std::string& thread_id, const Json& target) {
  return {{"threadId", thread_id}, {"delivery", "inline"}, {"target", target}};
}

Json turn_interrupt_params(const std::string& thread_id, const std::string& turn_id) {
  return {{"threadId", thread_id}, {"turnId", turn_id}};
}

Json account_read_params() {
  return {{"refreshToken", false}};
}

Json config_read_params(const std::string& cwd) {
  return {{"includeLayers", false}, {"cwd", cwd}};
}

Json thread_list_params(const std::string& cwd, int limit, const std::string& search_term) {
  Json params = {{"cwd", cwd},
                 {"limit", limit},
                 {"sortKey", "updated_at"},
                 {"sourceKinds", Json::array({"appServer"})}};
  if (!search_term.empty()) params["searchTerm"] = search_term;
  return params;
}

Json model_list_params() {
  return {{"includeHidden", true}, {"limit", 200}};
}

std::string thread_id_of(const Json& result) {
  return string_at(result, "thread", "id");
}
std::string turn_id_of(const Json& result) {
  return string_at(result, "turn", "id");
}
std::string turn_status_of(const Json& result) {
  return string_at(result, "turn", "status");
}

}  // namespace companion::codex
