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

constexpr size_t kConfigReadLimit = 1024 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_variable_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The string that starts at text[at] (a TOML basic "…" or literal '…' string); sets `at` past it
// (to the end of `text` when it is not closed). Empty when there is none (escapes are kept as
// written: a variable name has none).
std::string quoted_at(std::string_view text, size_t& at) {
  if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) return {};
  const char quote = text[at];
  size_t end = at + 1;
  while (end < text.size() && text[end] != quote) {
    end += (quote == '"' && text[end] == '\\') ? 2 : 1;
  }
  if (end >= text.size()) {
    at = text.size();
    return {};
  }
  std::string out(text.substr(at + 1, end - at - 1));
  at = end + 1;
  return out;
}

// The segments of a dotted TOML key (`a.b."c"` -> a, b, c).
std::vector<std::string> key_segments(std::string_view key) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < key.size()) {
    while (at < key.size() && (key[at] == ' ' || key[at] == '\t' || key[at] == '.')) ++at;
    if (at >= key.size()) break;
    if (key[at] == '"' || key[at] == '\'') {
      out.push_back(quoted_at(key, at));
      continue;
    }
    size_t end = key.find('.', at);
    if (end == std::string_view::npos) end = key.size();
    out.emplace_back(trim(key.substr(at, end - at)));
    at = end;
  }
  return out;
}

// The key part of `key = value` (outside quotes), or npos when the line has no '='.
size_t assignment_at(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '=') {
      return i;
    }
  }
  return std::string_view::npos;
}

void add_name(std::set<std::string>& names, const std::string& name) {
  if (is_variable_name(name)) names.insert(name);
}

// Every value of an inline table `{ "A" = "VAR", B = 'VAR2' }` that starts at text[at].
void add_inline_table_values(std::string_view text, std::set<std::string>& names) {
  size_t open = text.find('{');
  if (open == std::string_view::npos) return;
  std::string_view body = text.substr(open + 1);
  size_t close = body.rfind('}');
  if (close != std::string_view::npos) body = body.substr(0, close);
  size_t at = 0;
  while (at < body.size()) {
    size_t comma = body.find(',', at);
    std::string_view pair =
        body.substr(at, comma == std::string_view::npos ? body.size() - at : comma - at);
    if (size_t eq = assignment_at(pair); eq != std::string_view::npos) {
      std::string_view value = trim(pair.substr(eq + 1));
      size_t start = 0;
      add_name(names, quoted_at(value, start));
    }
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
}

std::string hex_short(const std::string& digest) {
  return digest.substr(0, 16);
}

}  // namespace

std::span<const char* const> provider_variables() {
  return kProviderVariables;
}

std::vector<std::string> config_variables(std::string_view toml) {
  std::set<std::string> names;
  bool in_headers_table = false;  // inside [....env_http_headers]
  size_t start = 0;
  while (start <= toml.size()) {
    size_t end = toml.find('\n', start);
    if (end == std::string_view::npos) end = toml.size();
    std::string_view line = trim(toml.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      size_t name_at = line.find_first_not_of('[');
      std::string_view header = name_at == std::string_view::npos ? "" : line.substr(name_at);
      header = header.substr(0, header.find(']'));
      auto segments = key_segments(header);
      in_headers_table = !segments.empty() && segments.back() == "env_http_headers";
      continue;
    }
    size_t eq = assignment_at(line);
    if (eq == std::string_view::npos) continue;
    auto segments = key_segments(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (segments.empty()) continue;
    bool header_value = in_headers_table || (segments.size() >= 2 &&
                                             segments[segments.size() - 2] == "env_http_headers");
    if (segments.back() == "env_http_headers") {
      add_inline_table_values(value, names);
    } else if (segments.back() == "env_key" || header_value) {
      size_t at = 0;
      add_name(names, quoted_at(value, at));
    }
  }
  return {names.begin(), names.end()};
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
  std::vector<std::string> configs = {"/etc/codex/config.toml"};
  if (!id.codex_home.empty()) configs.push_back(sys::join_path(id.codex_home, "config.toml"));
  if (!workspace.empty()) configs.push_back(sys::join_path(workspace, ".codex/config.toml"));
  for (const std::string& path : configs) {
    auto text = env.read_file(path, kConfigReadLimit, sys::Links::kFollow);
    if (!text) continue;
    for (std::string& name : config_variables(*text)) names.insert(std::move(name));
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
