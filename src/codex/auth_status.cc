#include "codex/auth_status.h"

#include <array>
#include <string_view>
#include <utility>

#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::codex {

namespace {

using Json = nlohmann::json;

// Providers Codex has built in, by config id, with the names users know them by.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kBuiltInProviders = {{
    {"openai", "OpenAI"},
    {"ollama", "Ollama"},
    {"lmstudio", "LM Studio"},
}};

std::string provider_id(const Json& config) {
  return std::string(
      sys::trim(sys::json_text(sys::json_object(config, "config"), "model_provider")));
}

Json text_or_null(const std::string& text) {
  return text.empty() ? Json() : Json(text);
}

// Every field of the object, so a consumer never finds one missing.
Json base_status(bool logged_in, std::string detail, const Json& requires_openai_auth,
                 const std::string& provider) {
  return {{"available", true},
          {"loggedIn", logged_in},
          {"detail", std::move(detail)},
          {"source", "app-server"},
          {"authMethod", nullptr},
          {"verified", nullptr},
          {"requiresOpenaiAuth", requires_openai_auth},
          {"provider", text_or_null(provider)},
          {"account", nullptr}};
}

}  // namespace

std::string provider_label(const Json& config) {
  std::string id = provider_id(config);
  const Json& providers = sys::json_object(sys::json_object(config, "config"), "model_providers");
  std::string configured(sys::trim(sys::json_text(sys::json_object(providers, id), "name")));
  if (!id.empty() && !configured.empty()) return configured;
  if (id.empty()) return "The active provider";
  for (const auto& [builtin, name] : kBuiltInProviders) {
    if (builtin == id) return std::string(name);
  }
  return id;
}

Json auth_status(const AccountProbe& probe) {
  if (!probe.error.empty()) return base_status(false, probe.error, nullptr, "");
  std::optional<bool> requires_auth = sys::json_bool(probe.account, "requiresOpenaiAuth");
  Json requires_json = requires_auth ? Json(*requires_auth) : Json();
  std::string provider = provider_id(probe.config);
  std::string label = provider_label(probe.config);
  const Json& account = sys::json_object(probe.account, "account");
  std::string type = sys::json_text(account, "type");
  if (!type.empty()) {
    std::string email(sys::trim(sys::json_text(account, "email")));
    std::string detail = type == "chatgpt" ? "ChatGPT login active" +
                                                 (email.empty() ? std::string() : " for " + email)
                         : type == "apiKey" ? "API key configured (unverified)"
                                            : "Signed in to Codex through " + type;
    Json out = base_status(true, detail, requires_json, provider);
    out["authMethod"] = type;
    if (type == "chatgpt") out["verified"] = true;
    if (type == "apiKey") out["verified"] = false;
    out["account"] = account;
    return out;
  }
  if (requires_auth == false) {
    return base_status(true, label + " is configured and does not require OpenAI authentication",
                       requires_json, provider);
  }
  return base_status(false, label + " requires OpenAI authentication", requires_json, provider);
}

Json auth_unavailable(const std::string& detail) {
  Json out = base_status(false, detail, nullptr, "");
  out["available"] = false;
  out["source"] = "availability";
  return out;
}

bool is_plain_version(std::string_view text) {
  if (text.empty() || text.size() > 64 || text[0] < '0' || text[0] > '9') return false;
  for (char c : text) {
    bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '.' || c == '-' || c == '+';
    if (!plain) return false;
  }
  return true;
}

std::optional<std::string> cli_version(const nlohmann::json& initialize) {
  std::string agent = sys::json_string(initialize, "userAgent").value_or("");
  size_t slash = agent.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string version = agent.substr(slash + 1, agent.find(' ', slash) - slash - 1);
  if (!is_plain_version(version)) return std::nullopt;
  return "codex-cli " + version;
}

}  // namespace companion::codex
