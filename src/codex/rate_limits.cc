#include "codex/rate_limits.h"

#include <fmt/format.h>

#include <array>

#include "sys/clock.h"
#include "sys/json_read.h"

namespace companion::codex {

namespace {

constexpr std::array<std::string_view, 2> kWindows = {"primary", "secondary"};
// Reset times beyond this are not believed (epoch seconds, year 2200).
constexpr int64_t kMaxResetSeconds = 7258118400;

std::optional<double> used_percent(const nlohmann::json& window) {
  const nlohmann::json* used = sys::json_field(window, "usedPercent");
  if (used == nullptr || !used->is_number()) return std::nullopt;
  return used->get<double>();
}

std::optional<int64_t> reset_ms(const nlohmann::json& window) {
  auto seconds = sys::json_int(window, "resetsAt");
  if (!seconds || *seconds <= 0 || *seconds > kMaxResetSeconds) return std::nullopt;
  return *seconds * 1000;
}

}  // namespace

bool RateLimitTracker::on_notification(std::string_view method, const nlohmann::json& params) {
  if (method != kRateLimitsUpdated) return false;
  const nlohmann::json& update = sys::json_object(params, "rateLimits");
  if (update.empty()) return false;
  nlohmann::json merged = snapshot_.is_object() ? snapshot_ : nlohmann::json::object();
  for (const auto& [key, value] : update.items()) {
    if (!value.is_null()) merged[key] = value;
  }
  if (merged == snapshot_) return false;
  snapshot_ = std::move(merged);
  return true;
}

std::optional<int64_t> exhausted_until_ms(const nlohmann::json& snapshot) {
  std::optional<int64_t> until;
  for (auto name : kWindows) {
    const nlohmann::json& window = sys::json_object(snapshot, name);
    auto used = used_percent(window);
    auto reset = reset_ms(window);
    if (used && *used >= 100.0 && reset) until = std::max(until.value_or(0), *reset);
  }
  return until;
}

nlohmann::json rate_limit_windows(const nlohmann::json& snapshot) {
  nlohmann::json out = nlohmann::json::array();
  for (auto name : kWindows) {
    const nlohmann::json& window = sys::json_object(snapshot, name);
    auto used = used_percent(window);
    if (!used) continue;
    auto minutes = sys::json_int(window, "windowDurationMins");
    auto reset = reset_ms(window);
    out.push_back({{"name", name},
                   {"usedPercent", *used},
                   {"windowDurationMins", minutes ? nlohmann::json(*minutes) : nullptr},
                   {"resetsAt", reset ? nlohmann::json(sys::iso_time(*reset)) : nullptr}});
  }
  return out;
}

std::string describe_rate_limits(const nlohmann::json& snapshot) {
  std::string out;
  for (const auto& window : rate_limit_windows(snapshot)) {
    std::string line = fmt::format("{}", sys::json_text(window, "name"));
    if (auto minutes = sys::json_int(window, "windowDurationMins")) {
      line += fmt::format(" ({} min)", *minutes);
    }
    const nlohmann::json* used = sys::json_field(window, "usedPercent");
    line += fmt::format(": {:g}% used", used && used->is_number() ? used->get<double>() : 0.0);
    if (auto reset = sys::json_string(window, "resetsAt")) line += ", resets " + *reset;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

}  // namespace companion::codex
