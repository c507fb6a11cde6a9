#include "codex/provenance.h"

#include <algorithm>

#include "codex/auth_status.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::codex {

namespace {

using Json = nlohmann::json;

// One bounded line of untrusted text; nullopt for an empty one.
std::optional<std::string> bounded(std::string_view text) {
  std::string line = sys::excerpt(text, Provenance::kMaxValueBytes);
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<std::string> bounded_member(const Json& value, std::string_view key) {
  auto text = sys::json_string(value, key);
  return text ? bounded(*text) : std::nullopt;
}

// SandboxPolicy.type ("readOnly", ...) in the spelling of thread/start's `sandbox` parameter.
std::optional<std::string> sandbox_name(const Json& sandbox) {
  auto type = sys::json_string(sandbox, "type");
  if (!type) return std::nullopt;
  if (*type == "readOnly") return std::string("read-only");
  if (*type == "workspaceWrite") return std::string("workspace-write");
  if (*type == "dangerFullAccess") return std::string("danger-full-access");
  if (*type == "externalSandbox") return std::string("external-sandbox");
  return bounded(*type);
}

// AskForApproval: a string, or {granular: {...}}.
std::optional<std::string> approval_name(const Json& result) {
  const Json* policy = sys::json_field(result, "approvalPolicy");
  if (policy == nullptr) return std::nullopt;
  if (policy->is_string()) return bounded(policy->get<std::string>());
  if (sys::json_field(*policy, "granular") != nullptr) return std::string("granular");
  return std::nullopt;
}

Json text_or_null(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json();
}

}  // namespace

void Provenance::set_runtime(const std::string& runtime) {
  runtime_ = bounded(runtime);
}

void Provenance::on_initialize(const Json& result) {
  if (auto home = sys::json_string(result, "codexHome");
      home && !home->empty() && (*home)[0] == '/' && home->size() <= kMaxPathBytes &&
      std::none_of(home->begin(), home->end(),
                   [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    codex_home_ = *home;
  }
  std::string agent = sys::json_string(result, "userAgent").value_or("");
  size_t slash = agent.find('/');
  if (slash == std::string::npos) return;
  std::string version = agent.substr(slash + 1, agent.find(' ', slash) - slash - 1);
  if (is_plain_version(version)) version_ = version;
}

void Provenance::on_thread(const Json& result) {
  if (auto model = bounded_member(result, "model")) model_ = model;
  if (auto provider = bounded_member(result, "modelProvider")) provider_ = provider;
  if (auto effort = bounded_member(result, "reasoningEffort")) effort_ = effort;
  if (auto sandbox = sandbox_name(sys::json_object(result, "sandbox"))) sandbox_ = sandbox;
  if (auto approval = approval_name(result)) approval_ = approval;
}

void Provenance::on_turn_overrides(const std::optional<std::string>& model,
                                   const std::optional<std::string>& effort) {
  // An effort the thread had (Codex's configuration) stays with another model; an unknown one
  // is then that model's default.
  if (model) {
    if (auto m = bounded(*model)) model_ = m;
  }
  if (effort) {
    if (auto e = bounded(*effort)) effort_ = e;
  }
}

bool Provenance::on_notification(const std::string& method, const Json& params,
                                 const std::string& thread_id) {
  if (method != "model/rerouted" || thread_id.empty() ||
      sys::json_text(params, "threadId") != thread_id) {
    return false;
  }
  auto to = bounded_member(params, "toModel");
  if (!to || to == model_) return false;
  model_ = to;
  return true;
}

bool Provenance::needs_default_effort() const {
  return model_.has_value() && !effort_.has_value();
}

bool Provenance::on_model_list(const Json& result) {
  if (!needs_default_effort()) return false;
  const Json* data = sys::json_field(result, "data");
  if (data == nullptr || !data->is_array()) return false;
  for (const Json& entry : *data) {
    if (sys::json_text(entry, "model") != *model_ && sys::json_text(entry, "id") != *model_) {
      continue;
    }
    effort_ = bounded_member(entry, "defaultReasoningEffort");
    return effort_.has_value();
  }
  return false;
}

Json Provenance::to_json() const {
  if (!model_ && !effort_ && !provider_ && !sandbox_ && !approval_ && !version_ && !runtime_ &&
      !codex_home_) {
    return nullptr;
  }
  return {{"model", text_or_null(model_)},
          {"effort", text_or_null(effort_)},
          {"modelProvider", text_or_null(provider_)},
          {"sandbox", text_or_null(sandbox_)},
          {"approvalPolicy", text_or_null(approval_)},
          {"codexVersion", text_or_null(version_)},
          {"runtime", text_or_null(runtime_)},
          {"codexHome", text_or_null(codex_home_)}};
}

}  // namespace companion::codex
