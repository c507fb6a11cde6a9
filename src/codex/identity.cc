#include "codex/identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "sys/json_read.h"
#include "sys/sha256.h"

namespace companion::codex {

using Json = nlohmann::json;

namespace {

// Found in codex-cli's source (openai/codex, codex-rs): login (API keys, access and federated
// tokens, token endpoint overrides), model-provider-info (the OpenAI and local providers), the
// Amazon Bedrock provider and the AWS SDK's default chain, the Vertex provider, the CA bundle,
// where it keeps its thread database, a remote exec server.
constexpr std::array<const char*, 33> kProviderVariables = {
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "CODEX_ACCESS_TOKEN",
    "OPENAI_FEDERATION_RULE_ID",
    "OPENAI_IDENTITY_TOKEN_FILE",
    "CODEX_REFRESH_TOKEN_URL_OVERRIDE",
    "CODEX_REVOKE_TOKEN_URL_OVERRIDE",
    "OPENAI_BASE_URL",
    "OPENAI_ORGANIZATION",
    "OPENAI_PROJECT",
    "CODEX_APP_SERVER_CHATGPT_BASE_URL",
    "CODEX_OSS_BASE_URL",
    "CODEX_OSS_PORT",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "CODEX_SQLITE_HOME",
    "CODEX_CA_CERTIFICATE",
    "SSL_CERT_FILE",
    "CODEX_EXEC_SERVER_URL",
    "CODEX_CONNECTORS_TOKEN",
};

std::string hex_short(const std::string& digest) {
  return digest.substr(0, 16);
}

}  // namespace

std::span<const char* const> provider_variables() {
  return kProviderVariables;
}

CodexIdentity codex_identity(const std::string& workspace, const sys::Config& config,
                             const CodexCommand& codex, sys::Env& env) {
  CodexIdentity id;
  id.workspace = workspace;
  id.codex_home = config.codex_home;
  if (auto real = env.real_path(config.codex_home); real && !config.codex_home.empty()) {
    id.codex_home = *real;
  }
  id.codex_home_set = config.codex_home_set;
  auto resolved = [&env](const std::string& path) {
    auto real = env.real_path(path);
    return real ? *real : path;
  };
  id.program = resolved(codex.program);
  if (!codex.launcher.empty()) id.launcher = resolved(codex.launcher);
  if (auto stamp = env.file_stamp(id.program)) id.program_file = *stamp;
  id.program_env = codex.env;
  std::sort(id.program_env.begin(), id.program_env.end());
  id.app_server_args = app_server_arguments();

  std::set<std::string> names(kProviderVariables.begin(), kProviderVariables.end());
  for (const CodexConfigFile& file : read_codex_configs(env, id.codex_home, workspace)) {
    for (std::string& name : config_variables(file.text)) names.insert(std::move(name));
  }
  id.variables.assign(names.begin(), names.end());
  std::string values;
  for (const std::string& name : id.variables) {
    auto found = config.environment.find(name);
    if (found == config.environment.end()) continue;
    id.variables_set.push_back(name);
    values += name + '\0' + found->second + '\0';
  }
  id.variables_digest = sys::sha256_hex(values);

  Json whole = {
      {"workspace", id.workspace},
      {"codexHome", id.codex_home},
      {"program", id.program},
      {"launcher", id.launcher},
      {"file",
       {id.program_file.device, id.program_file.inode, id.program_file.size,
        id.program_file.modified_ns}},
      {"programEnv", id.program_env},
      {"appServerArgs", id.app_server_args},
      {"variables", id.variables},
      {"variablesDigest", id.variables_digest},
  };
  id.digest = sys::sha256_hex(whole.dump());
  return id;
}

Json to_json(const CodexIdentity& id) {
  return {{"key", id.key()},
          {"digest", id.digest},
          {"workspace", id.workspace},
          {"codexHome", id.codex_home},
          {"codexHomeFrom", id.codex_home_set ? "CODEX_HOME" : "default"},
          {"codex",
           {{"path", id.program},
            {"launcher", id.launcher.empty() ? Json(nullptr) : Json(id.launcher)},
            {"file",
             {{"device", id.program_file.device},
              {"inode", id.program_file.inode},
              {"size", id.program_file.size},
              {"modifiedNs", id.program_file.modified_ns}}}}},
          {"appServerArgs", id.app_server_args},
          {"variables",
           {{"checked", id.variables},
            {"set", id.variables_set},
            {"digest", hex_short(id.variables_digest)}}}};
}

std::string identity_digest(const Json& shown) {
  return sys::json_string(shown, "digest").value_or("");
}

std::string describe_difference(const Json& wanted, const Json& found) {
  if (identity_digest(found).empty()) return "that broker does not say which Codex it runs";
  std::vector<std::string> parts;
  auto compare = [&](const std::string& what, const std::string& here, const std::string& there) {
    if (here != there) parts.push_back(fmt::format("{} is {} here, {} there", what, here, there));
  };
  compare("the workspace", sys::json_text(wanted, "workspace"), sys::json_text(found, "workspace"));
  compare("CODEX_HOME", sys::json_text(wanted, "codexHome"), sys::json_text(found, "codexHome"));
  const Json& codex_here = sys::json_object(wanted, "codex");
  const Json& codex_there = sys::json_object(found, "codex");
  std::string path_here = sys::json_text(codex_here, "path");
  std::string path_there = sys::json_text(codex_there, "path");
  compare("the codex executable", path_here, path_there);
  if (path_here == path_there &&
      sys::json_object(codex_here, "file") != sys::json_object(codex_there, "file")) {
    parts.push_back("the codex executable was replaced since that broker started");
  }
  const Json& vars_here = sys::json_object(wanted, "variables");
  const Json& vars_there = sys::json_object(found, "variables");
  auto set_here = sys::json_strings(vars_here, "set");
  auto set_there = sys::json_strings(vars_there, "set");
  if (set_here != set_there) {
    auto list = [](const std::vector<std::string>& v) {
      return v.empty() ? std::string("none") : fmt::format("{}", fmt::join(v, ", "));
    };
    parts.push_back(fmt::format("the provider variables set are {} here, {} there", list(set_here),
                                list(set_there)));
  } else if (sys::json_text(vars_here, "digest") != sys::json_text(vars_there, "digest")) {
    parts.push_back("a provider variable has another value here");
  }
  if (parts.empty() && identity_digest(wanted) != identity_digest(found)) {
    parts.push_back("its Codex configuration differs");
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace companion::codex
