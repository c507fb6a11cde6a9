// Token usage of a job, from the app-server's `thread/tokenUsage/updated` notifications (sans-IO).
//
// Shape (codex-cli 0.169.0, `codex app-server generate-json-schema`,
// v2/ThreadTokenUsageUpdatedNotification.json): params {threadId, turnId, tokenUsage{total, last,
// modelContextWindow (integer or null)}}, where `total` (the thread's running total) and `last`
// (the latest model request) are TokenUsageBreakdown {inputTokens, cachedInputTokens,
// outputTokens, reasoningOutputTokens, totalTokens, cacheWriteInputTokens (default 0)}.
//
// A job's usage is what its own turn used: `total` counts every earlier turn of a resumed thread
// too, so the tally adds `last` each time the thread's total moves (an update that repeats the
// previous total adds nothing). Only updates naming the job's turn count: on thread/resume
// codex-cli 0.169.0 first repeats the thread's restored usage under the PREVIOUS turn's id
// (observed: total 15, last 15, turnId of the earlier turn, before the turn/start response);
// such an update only sets the baseline. The tally keeps nothing for later: an update fed before
// any turn id was added counts as another turn's (baseline only), so its owner (TurnCapture)
// feeds it once the turn id is known, replaying what arrived before. Counts are int64 token
// numbers; negative or non-integer fields read as 0.
// Not thread-safe; one instance per turn.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

namespace companion::codex {

struct TokenCounts {
  int64_t input = 0;
  int64_t cached_input = 0;
  int64_t output = 0;
  int64_t reasoning_output = 0;
  int64_t total = 0;

  TokenCounts& operator+=(const TokenCounts& other);
  bool operator==(const TokenCounts& other) const = default;
};

struct TokenUsage {
  TokenCounts job;           // this job's turn
  TokenCounts thread_total;  // the thread's total as last reported
  std::optional<int64_t> model_context_window;
};

class TokenUsageTally {
 public:
  // Feeds the params of one thread/tokenUsage/updated of the job's thread. Returns true when the
  // usage changed (worth recording); false for a repeat, another turn's update, or a
  // notification without usage.
  bool on_update(const nlohmann::json& params);
  // A turn id of the job (the turn/start answer; a review's inner turn too); empty is ignored.
  void add_turn(const std::string& turn_id);
  const std::optional<TokenUsage>& usage() const { return usage_; }

 private:
  std::set<std::string> turns_;
  std::optional<TokenCounts> seen_total_;  // the thread's total in the latest update of any turn
  std::optional<TokenUsage> usage_;
};

// The breakdown in the app-server's field names (missing or malformed fields read as 0).
TokenCounts counts_from_json(const nlohmann::json& breakdown);
// {inputTokens, cachedInputTokens, outputTokens, reasoningOutputTokens, totalTokens}.
nlohmann::json counts_to_json(const TokenCounts& counts);
// The job's stored form: the job's counts at the top level, plus modelContextWindow (or null)
// and threadTotal (the thread's counts).
nlohmann::json usage_to_json(const TokenUsage& usage);

}  // namespace companion::codex
