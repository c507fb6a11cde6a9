#include "codex/token_usage.h"

#include "sys/json_read.h"

namespace companion::codex {

namespace {

int64_t count_of(const nlohmann::json& breakdown, const char* key) {
  int64_t value = sys::json_int(breakdown, key).value_or(0);
  return value < 0 ? 0 : value;
}

}  // namespace

TokenCounts& TokenCounts::operator+=(const TokenCounts& other) {
  input += other.input;
  cached_input += other.cached_input;
  output += other.output;
  reasoning_output += other.reasoning_output;
  total += other.total;
  return *this;
}

TokenCounts counts_from_json(const nlohmann::json& breakdown) {
  return TokenCounts{count_of(breakdown, "inputTokens"), count_of(breakdown, "cachedInputTokens"),
                     count_of(breakdown, "outputTokens"),
                     count_of(breakdown, "reasoningOutputTokens"),
                     count_of(breakdown, "totalTokens")};
}

nlohmann::json counts_to_json(const TokenCounts& counts) {
  return {{"inputTokens", counts.input},
          {"cachedInputTokens", counts.cached_input},
          {"outputTokens", counts.output},
          {"reasoningOutputTokens", counts.reasoning_output},
          {"totalTokens", counts.total}};
}

nlohmann::json usage_to_json(const TokenUsage& usage) {
  nlohmann::json out = counts_to_json(usage.job);
  out["modelContextWindow"] =
      usage.model_context_window ? nlohmann::json(*usage.model_context_window) : nlohmann::json();
  out["threadTotal"] = counts_to_json(usage.thread_total);
  return out;
}

bool TokenUsageTally::on_update(const nlohmann::json& params) {
  const nlohmann::json& reported = sys::json_object(params, "tokenUsage");
  const nlohmann::json* total_json = sys::json_field(reported, "total");
  if (total_json == nullptr || !total_json->is_object()) return false;
  TokenCounts total = counts_from_json(*total_json);
  TokenCounts last = counts_from_json(sys::json_object(reported, "last"));
  auto window = sys::json_int(reported, "modelContextWindow");
  if (usage_ && usage_->thread_total == total && usage_->model_context_window == window) {
    return false;
  }
  if (!usage_) usage_.emplace();
  if (!(usage_->thread_total == total)) usage_->job += last;
  usage_->thread_total = total;
  usage_->model_context_window = window;
  return true;
}

}  // namespace companion::codex
