// `config get [KEY] [--json]`, `config set KEY VALUE`, `config unset KEY`: workspace settings
// (store/settings.h), kept in the workspace's job store.
#include "cli/commands.h"
#include "jobs/notify.h"
#include "store/settings.h"

namespace companion::cli {

namespace {

nlohmann::json setting_json(const store::SettingInfo& info,
                            const std::optional<std::string>& stored) {
  std::string value = stored.value_or(std::string(info.default_text));
  nlohmann::json shown = value;
  if (info.key == store::kMaxParallelKey) {
    shown = store::max_parallel_from(stored);
  } else if (info.key == store::kReviewGateKey) {
    shown = value == "true";
  } else if (value.empty()) {
    shown = nullptr;
  }
  return {{"key", info.key}, {"value", shown}, {"isDefault", !stored.has_value()}};
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
  nlohmann::json settings = nlohmann::json::object();
  std::string text;
  for (const auto& info : keys) {
    auto stored = store.config(std::string(info.key));
    if (!stored) return fail(stored.error());
    auto one = setting_json(info, *stored);
    std::string shown = one["value"].is_null()     ? "(not set)"
                        : one["value"].is_string() ? one["value"].get<std::string>()
                                                   : one["value"].dump();
    text += fmt::format("{} = {}{}\n    {}\n", info.key, shown,
                        stored->has_value() ? "" : " (default)", info.help);
    settings[std::string(info.key)] = std::move(one);
  }
  if (ctx.json()) {
    print_json({{"workspaceRoot", store.workspace().root}, {"settings", settings}});
  } else {
    print_text(text);
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
  auto normalized = store::normalize_setting(info->key, value);
  if (!normalized) return fail(normalized.error());
  if (auto s = store.set_config(std::string(info->key), *normalized); !s) return fail(s.error());
  // A higher limit may free slots now.
  if (info->key == store::kMaxParallelKey) (void)settle(ctx, store);
  if (ctx.json()) {
    print_json({{"key", info->key}, {"value", *normalized}});
  } else {
    print_text(fmt::format("{} = {}\n", info->key, *normalized));
  }
  return 0;
}

int config_unset(Context& ctx, store::JobStore& store) {
  if (ctx.args.positionals.size() != 2) return fail("config unset needs one key: config unset KEY");
  auto info = store::find_setting(ctx.args.positionals[1]);
  if (!info) return fail(info.error());
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
