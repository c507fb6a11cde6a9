#include "store/settings.h"

#include <algorithm>
#include <array>

#include "sys/config.h"

namespace companion::store {

namespace {

Result<std::string> normalize_notify(std::string_view value) {
  if (value.find_first_not_of(" \t") == std::string_view::npos) {
    return make_error(
        "notify needs a command, such as `config set notify 'notify-send Codex'`; "
        "`config unset notify` turns it off");
  }
  if (value.size() > kMaxNotifyBytes) {
    return make_error("notify: the command is longer than {} bytes", kMaxNotifyBytes);
  }
  bool control = std::any_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
  if (control) {
    return make_error(
        "notify: the command holds a newline or control character; give one line (a script "
        "path for anything longer)");
  }
  return std::string(value);
}

constexpr std::array<std::string_view, 6> kEfforts = {"none",   "minimal", "low",
                                                      "medium", "high",    "xhigh"};

bool control_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

}  // namespace

Result<std::string> normalize_model(std::string_view name, std::string_view value) {
  if (value == "spark") return std::string("gpt-5.3-codex-spark");
  bool ok = !value.empty() && value.size() <= kMaxModelBytes && value.front() != '-' &&
            std::none_of(value.begin(), value.end(), control_char);
  if (!ok) {
    return make_error(
        "{} takes a model name such as gpt-5.3-codex, or spark (one line without control "
        "characters, not starting with '-', at most {} bytes), not '{}'",
        name, kMaxModelBytes, value);
  }
  return std::string(value);
}

Result<std::string> normalize_effort(std::string_view name, std::string_view value) {
  for (auto e : kEfforts) {
    if (e == value) return std::string(value);
  }
  return make_error("unknown {} '{}'; use one of none, minimal, low, medium, high, xhigh", name,
                    value);
}

bool is_model_default(std::string_view key) {
  return key == kModelKey || key == kEffortKey || key == kReviewModelKey || key == kReviewEffortKey;
}

const std::vector<SettingInfo>& known_settings() {
  static const std::vector<SettingInfo> kSettings = {
      {kMaxParallelKey, "4",
       "how many jobs of this workspace run at once; further background jobs wait, queued"},
      {kNotifyKey, "",
       "a command run with the job's JSON on stdin when a background job ends (through "
       "/bin/sh -c when it needs a shell)"},
      {kReviewGateKey, "false", "the stop-time review gate (setup --enable-review-gate)"},
      {kModelKey, "", "the model of tasks unless --model says otherwise (spark, or a name)"},
      {kEffortKey, "",
       "the reasoning effort of tasks unless --effort says otherwise (none, minimal, low, "
       "medium, high, xhigh)"},
      {kReviewModelKey, "", "the model of reviews unless --model says otherwise"},
      {kReviewEffortKey, "", "the reasoning effort of reviews unless --effort says otherwise"},
  };
  return kSettings;
}

Result<SettingInfo> find_setting(std::string_view key) {
  for (const auto& s : known_settings()) {
    if (s.key == key) return s;
  }
  std::string names;
  for (const auto& s : known_settings()) names += (names.empty() ? "" : ", ") + std::string(s.key);
  return make_error("unknown setting '{}'; the settings are {}", key, names);
}

Result<std::string> normalize_setting(std::string_view key, std::string_view value) {
  auto info = find_setting(key);
  if (!info) return info.error();
  if (key == kMaxParallelKey) {
    auto n = sys::parse_setting(kMaxParallelKey, value, {1, kMaxMaxParallel, "jobs"});
    if (!n) return n.error();
    return std::to_string(*n);
  }
  if (key == kNotifyKey) return normalize_notify(value);
  if (key == kModelKey || key == kReviewModelKey) return normalize_model(key, value);
  if (key == kEffortKey || key == kReviewEffortKey) return normalize_effort(key, value);
  if (value == "true" || value == "on") return std::string("true");
  if (value == "false" || value == "off") return std::string("false");
  return make_error("{} takes true or false, not '{}'", key, value);
}

size_t max_parallel_from(const std::optional<std::string>& stored) {
  if (!stored) return kDefaultMaxParallel;
  auto n = sys::parse_setting(kMaxParallelKey, *stored, {1, kMaxMaxParallel, "jobs"});
  return n ? static_cast<size_t>(*n) : kDefaultMaxParallel;
}

std::optional<size_t> queue_position(const std::vector<std::string>& waiting_ids,
                                     std::string_view id) {
  auto it = std::find(waiting_ids.begin(), waiting_ids.end(), id);
  if (it == waiting_ids.end()) return std::nullopt;
  return static_cast<size_t>(it - waiting_ids.begin()) + 1;
}

}  // namespace companion::store
