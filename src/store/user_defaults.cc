#include "store/user_defaults.h"

#include "store/settings.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/terminal_text.h"

namespace companion::store {

namespace {

Status check_owner(sys::Env& env, const std::string& path) {
  auto owner = env.owner_of(path);
  if (!owner) return owner.error();
  if (*owner != env.effective_uid()) {
    return make_error("{} belongs to another user; remove it or make it yours", path);
  }
  return {};
}

// Reads the file as a JSON object; nullopt when it does not exist.
Result<std::optional<nlohmann::json>> read_object(sys::Env& env, const std::string& path) {
  if (path.empty() || !env.path_exists(path)) return std::optional<nlohmann::json>();
  COMPANION_TRY(check_owner(env, path));
  auto text = env.read_file(path, kMaxUserDefaultsBytes, sys::Links::kRefuse);
  if (!text) {
    return make_error("cannot read your defaults file {}: {}", path, text.error().message);
  }
  auto parsed = sys::parse_json(*text);
  if (!parsed.is_object()) {
    return make_error(
        "your defaults file {} is not a JSON object such as {{\"model\": \"gpt-5.3-codex\"}}; fix "
        "it or remove it",
        path);
  }
  return std::optional<nlohmann::json>(std::move(parsed));
}

}  // namespace

std::string_view to_string(DefaultSource source) {
  switch (source) {
    case DefaultSource::kFlag:
      return "flag";
    case DefaultSource::kWorkspace:
      return "workspace";
    case DefaultSource::kUser:
      return "user";
    case DefaultSource::kCodex:
      return "codex";
  }
  return "codex";
}

Result<std::map<std::string, std::string>> read_user_defaults(sys::Env& env,
                                                              const std::string& path) {
  auto object = read_object(env, path);
  if (!object) return object.error();
  std::map<std::string, std::string> values;
  if (!*object) return values;
  for (const auto& [key, value] : (*object)->items()) {
    if (!is_model_default(key)) {
      return make_error(
          "your defaults file {} has the key '{}'; it takes only model, effort, review-model "
          "and review-effort (a write sandbox always needs --write)",
          path, sys::printable_text(key));
    }
    if (!value.is_string()) {
      return make_error("your defaults file {}: {} must be a string", path, key);
    }
    auto normalized = normalize_setting(key, value.get<std::string>());
    if (!normalized) {
      return make_error("your defaults file {}: {}", path, normalized.error().message);
    }
    values[key] = *normalized;
  }
  return values;
}

Status write_user_default(sys::Env& env, const std::string& path, std::string_view key,
                          const std::optional<std::string>& value) {
  if (path.empty()) {
    return make_error("no defaults file: set XDG_CONFIG_HOME or HOME to an absolute directory");
  }
  if (!is_model_default(key)) {
    return make_error(
        "only model, effort, review-model and review-effort are user defaults, "
        "not '{}'",
        key);
  }
  auto current = read_user_defaults(env, path);
  if (!current) return current.error();
  if (value) {
    auto normalized = normalize_setting(key, *value);
    if (!normalized) return normalized.error();
    (*current)[std::string(key)] = *normalized;
  } else {
    current->erase(std::string(key));
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : *current) out[k] = v;
  COMPANION_TRY(env.ensure_private_dir(sys::dirname_of(path)));
  return env.write_file_atomic(path, out.dump(2) + "\n");
}

Result<ResolvedDefault> resolve_default(std::string_view key,
                                        const std::optional<std::string>& flag, JobStore& store,
                                        const std::map<std::string, std::string>& user) {
  if (flag) return ResolvedDefault{flag, DefaultSource::kFlag};
  auto stored = store.config(std::string(key));
  if (!stored) return stored.error();
  if (*stored) {
    // A value written by hand into the store is checked like a typed one; a bad one is skipped.
    if (auto ok = normalize_setting(key, **stored)) {
      return ResolvedDefault{*ok, DefaultSource::kWorkspace};
    }
  }
  if (auto it = user.find(std::string(key)); it != user.end()) {
    return ResolvedDefault{it->second, DefaultSource::kUser};
  }
  return ResolvedDefault{};
}

}  // namespace companion::store
