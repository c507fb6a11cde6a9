// `config get [KEY] [--json]`, `config set [--user] KEY VALUE`, `config unset [--user] KEY`:
// workspace settings (store/settings.h), kept in the workspace's job store; the model defaults
// also in the user's file (--user, store/user_defaults.h).
#include "cli/commands.h"
#include "jobs/notify.h"
#include "store/settings.h"
#include "store/user_defaults.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

// {key, value, isDefault, source}: source is where the value comes from (workspace, user, or
// default; for a model default that nobody set, codex: Codex's own configuration decides).
nlohmann::json setting_json(const store::SettingInfo& info,
                            const std::optional<std::string>& stored, std::string_view source) {
  std::string value = stored.value_or(std::string(info.default_text));
  nlohmann::json shown = value;
  if (info.key == store::kMaxParallelKey) {
    shown = store::max_parallel_from(stored);
  } else if (info.key == store::kReviewGateKey) {
    shown = value == "true";
  } else if (value.empty()) {
    shown = nullptr;
  }
  return {
      {"key", info.key}, {"value", shown}, {"isDefault", !stored.has_value()}, {"source", source}};
}

// The value of `info`'s key and where it comes from.
Result<nlohmann::json> one_setting(store::JobStore& store, const store::SettingInfo& info,
                                   const std::map<std::string, std::string>& user) {
  if (store::is_model_default(info.key)) {
    auto resolved = store::resolve_default(info.key, std::nullopt, store, user);
    if (!resolved) return resolved.error();
    return setting_json(info, resolved->value, store::to_string(resolved->source));
  }
  auto stored = store.config(std::string(info.key));
  if (!stored) return stored.error();
  return setting_json(info, *stored, stored->has_value() ? "workspace" : "default");
}

std::string setting_line(const store::SettingInfo& info, const nlohmann::json& one) {
  const nlohmann::json& value = one["value"];
  std::string source = sys::json_text(one, "source");
  std::string shown = value.is_null()     ? "(not set)"
                      : value.is_string() ? value.get<std::string>()
                                          : value.dump();
  std::string from = source == "workspace" ? ""
                     : source == "user"    ? " (your defaults file)"
                     : source == "codex"   ? " (Codex's own configuration decides)"
                                           : " (default)";
  return fmt::format("{} = {}{}\n    {}\n", info.key, shown, from, info.help);
}

int config_get(Context& ctx, store::JobStore& store) {
  std::vector<store::SettingInfo> keys;
  if (ctx.args.positionals.size() > 2) return fail("config get takes at most one key");
  if (ctx.args.positionals.size() == 2) {
    auto info = store::find_setting(ctx.args.positionals[1]);
    if (!info) return fail(info.error());
    keys.push_back(*info);
  } else {
    keys = store::known_settings();
  }
  auto user = store::read_user_defaults(ctx.env, ctx.config.user_config_file);
  if (!user) return fail(user.error());
  nlohmann::json settings = nlohmann::json::object();
  std::string text;
  for (const auto& info : keys) {
    auto one = one_setting(store, info, *user);
    if (!one) return fail(one.error());
    text += setting_line(info, *one);
    settings[std::string(info.key)] = std::move(*one);
  }
  if (ctx.json()) {
    print_json({{"workspaceRoot", store.workspace().root},
                {"userConfigFile", ctx.config.user_config_file},
                {"settings", settings}});
  } else {
    print_text(text);
  }
  return 0;
}

// `config set|unset --user KEY [VALUE]`: the user's defaults file.
int config_user(Context& ctx, const store::SettingInfo& info,
                const std::optional<std::string>& value) {
  if (!store::is_model_default(info.key)) {
    return fail(fmt::format(
        "{} is a workspace setting; only model, effort, review-model and review-effort take "
        "--user",
        info.key));
  }
  std::optional<std::string> normalized;
  if (value) {
    auto checked = store::normalize_setting(info.key, *value);
    if (!checked) return fail(checked.error());
    normalized = *checked;
  }
  auto written =
      store::write_user_default(ctx.env, ctx.config.user_config_file, info.key, normalized);
  if (!written) return fail(written.error());
  if (ctx.json()) {
    print_json({{"key", info.key},
                {"value", normalized ? nlohmann::json(*normalized) : nlohmann::json(nullptr)},
                {"source", "user"},
                {"userConfigFile", ctx.config.user_config_file}});
  } else {
    print_text(normalized ? fmt::format("{} = {} (in {})\n", info.key, *normalized,
                                        ctx.config.user_config_file)
                          : fmt::format("{} unset in {}\n", info.key, ctx.config.user_config_file));
  }
  return 0;
}

int config_set(Context& ctx, store::JobStore& store) {
  const auto& words = ctx.args.positionals;
  if (words.size() < 3) return fail("config set needs a key and a value: config set KEY VALUE");
  auto info = store::find_setting(words[1]);
  if (!info) return fail(info.error());
  std::string value = words[2];
  if (words.size() > 3) {
    if (info->key != store::kNotifyKey) {
      return fail(
          fmt::format("config set {} takes one value; quote it if it has spaces", words[1]));
    }
    value = jobs::command_line_of({words.begin() + 2, words.end()});
  }
  if (ctx.args.flag("user")) return config_user(ctx, *info, value);
  auto normalized = store::normalize_setting(info->key, value);
  if (!normalized) return fail(normalized.error());
  if (auto s = store.set_config(std::string(info->key), *normalized); !s) return fail(s.error());
  // A higher limit may free slots now.
  if (info->key == store::kMaxParallelKey) (void)settle(ctx, store);
  if (ctx.json()) {
    print_json({{"key", info->key}, {"value", *normalized}, {"source", "workspace"}});
  } else {
    print_text(fmt::format("{} = {}\n", info->key, *normalized));
  }
  return 0;
}

int config_unset(Context& ctx, store::JobStore& store) {
  if (ctx.args.positionals.size() != 2) return fail("config unset needs one key: config unset KEY");
  auto info = store::find_setting(ctx.args.positionals[1]);
  if (!info) return fail(info.error());
  if (ctx.args.flag("user")) return config_user(ctx, *info, std::nullopt);
  if (auto s = store.unset_config(std::string(info->key)); !s) return fail(s.error());
  if (info->key == store::kMaxParallelKey) (void)settle(ctx, store);
  if (ctx.json()) {
    print_json({{"key", info->key}, {"value", nullptr}});
  } else {
    print_text(fmt::format("{} unset (default: {})\n", info->key,
                           info->default_text.empty() ? "not set" : info->default_text));
  }
  return 0;
}

}  // namespace

int run_config(Context& ctx) {
  const auto& words = ctx.args.positionals;
  std::string action = words.empty() ? "get" : words[0];
  if (action != "get" && action != "set" && action != "unset") {
    return fail("config takes get [KEY], set KEY VALUE or unset KEY, not '" + action + "'");
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (action == "set") return config_set(ctx, **store);
  if (action == "unset") return config_unset(ctx, **store);
  return config_get(ctx, **store);
}

}  // namespace companion::cli
