// The account's usage limits as Codex reports them (sans-IO).
//
// Shape (codex-cli 0.169.0, `codex app-server generate-json-schema`): `account/rateLimits/read`
// answers {rateLimits: RateLimitSnapshot, rateLimitsByLimitId, …}; the notification
// `account/rateLimits/updated` (no threadId; a broker sends it to every client) carries
// {rateLimits: RateLimitSnapshot}, a sparse update: its null fields leave the last value.
// RateLimitSnapshot {limitId, limitName, primary, secondary: RateLimitWindow|null, credits,
// planType, rateLimitReachedType, …}; RateLimitWindow {usedPercent (integer; older builds send a
// float), windowDurationMins, resetsAt (epoch seconds)}.
// Observed with codex-cli 0.169.0 against the Responses API answering HTTP 429
// {"error":{"type":"usage_limit_reached","resets_at":S,…}} with x-codex-primary-* headers: an
// account/rateLimits/updated whose primary window is 100 % used and resets at S, then `error`
// {error{message, codexErrorInfo:"usageLimitExceeded"}, willRetry:false} and turn/completed
// failed with the same error. account/rateLimits/read fails (-32600 "codex account
// authentication required to read rate limits") unless signed in with ChatGPT.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace companion::codex {

inline constexpr std::string_view kRateLimitsUpdated = "account/rateLimits/updated";
inline constexpr std::string_view kRateLimitsRead = "account/rateLimits/read";
// codexErrorInfo of a turn that failed because a usage window is used up.
inline constexpr std::string_view kUsageLimitExceeded = "usageLimitExceeded";

// Keeps the latest snapshot, merging sparse updates. Not thread-safe.
class RateLimitTracker {
 public:
  // Feeds one notification; true when it was a rate-limit update that changed the snapshot.
  bool on_notification(std::string_view method, const nlohmann::json& params);
  // The merged snapshot (an object), or null before the first update.
  const nlohmann::json& snapshot() const { return snapshot_; }

 private:
  nlohmann::json snapshot_;
};

// The newest reset (epoch ms) of a window of `snapshot` that is used up (usedPercent >= 100);
// nullopt when none is, or none says when it resets.
std::optional<int64_t> exhausted_until_ms(const nlohmann::json& snapshot);

// The windows for display: [{name ("primary"|"secondary"), usedPercent (number),
// windowDurationMins (integer|null), resetsAt (ISO time|null)}], those with data only.
nlohmann::json rate_limit_windows(const nlohmann::json& snapshot);

// "primary (300 min): 42% used, resets 2026-12-07T18:00:00.000Z; secondary …"; "" when none.
std::string describe_rate_limits(const nlohmann::json& snapshot);

}  // namespace companion::codex
