// The app-server requests we send, as JSON (sans-IO): one builder per method, and readers for
// the ids in their results. Shapes follow `codex app-server generate-json-schema` of
// codex-cli 0.169.0.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace companion::codex {

inline constexpr const char* kClientName = "codex-companion";
inline constexpr const char* kClientTitle = "Codex Companion";
inline constexpr const char* kServiceName = "codex_companion";

// Settings shared by thread/start and thread/resume.
struct ThreadOptions {
  std::string cwd;
  std::optional<std::string> model;
  // The reasoning effort, sent as the thread's configuration (`config.model_reasoning_effort`):
  // review/start has no effort of its own, and its review turn runs at the thread's.
  std::optional<std::string> effort;
  bool write = false;     // sandbox workspace-write, else read-only
  bool ephemeral = true;  // thread/start only: not kept in Codex's history
};

// initialize {clientInfo{name, title, version}, capabilities{experimentalApi:false, optOut...[]}}
nlohmann::json initialize_params();
// thread/start {cwd, model, approvalPolicy:"never", sandbox, ephemeral, serviceName,
// config?{model_reasoning_effort}} (config only with an effort)
nlohmann::json thread_start_params(const ThreadOptions& options);
// thread/resume {threadId, cwd, model, approvalPolicy:"never", sandbox, config?}
nlohmann::json thread_resume_params(const std::string& thread_id, const ThreadOptions& options);
nlohmann::json thread_name_params(const std::string& thread_id, const std::string& name);
// turn/start {threadId, input:[{type:"text", text, text_elements:[]}], model?, effort?,
// outputSchema?}; absent optionals and a null schema are left out.
nlohmann::json turn_start_params(const std::string& thread_id, const std::string& prompt,
                                 const std::optional<std::string>& model,
                                 const std::optional<std::string>& effort,
                                 const nlohmann::json& output_schema);
// review/start {threadId, delivery:"inline", target}
nlohmann::json review_start_params(const std::string& thread_id, const nlohmann::json& target);
nlohmann::json turn_interrupt_params(const std::string& thread_id, const std::string& turn_id);
nlohmann::json account_read_params();
nlohmann::json config_read_params(const std::string& cwd);
// thread/list {cwd, limit, sortKey:"updated_at", sourceKinds:["appServer"], searchTerm?}
nlohmann::json thread_list_params(const std::string& cwd, int limit,
                                  const std::string& search_term);

// model/list {includeHidden:true, limit:200}: the catalog, for a model's default effort.
nlohmann::json model_list_params();

// result.thread.id of thread/start and thread/resume; empty when missing.
std::string thread_id_of(const nlohmann::json& result);
// result.turn.id of turn/start and review/start; empty when missing.
std::string turn_id_of(const nlohmann::json& result);
// result.turn.status; empty when missing.
std::string turn_status_of(const nlohmann::json& result);

}  // namespace companion::codex
