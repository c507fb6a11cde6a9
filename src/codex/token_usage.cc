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

void TokenUsageTally::add_turn(const std::string& turn_id) {
  if (!turn_id.empty()) turns_.insert(turn_id);
}

bool TokenUsageTally::on_update(const nlohmann::json& params) {
  const nlohmann::json& reported = sys::json_object(params, "tokenUsage");
  const nlohmann::json* total_json = sys::json_field(reported, "total");
  if (total_json == nullptr || !total_json->is_object()) return false;
  TokenCounts total = counts_from_json(*total_json);
  bool moved = !seen_total_ || !(*seen_total_ == total);
  seen_total_ = total;
  std::string turn = sys::json_text(params, "turnId");
  if (!turn.empty() && turns_.count(turn) == 0) return false;  // another turn: baseline only
  auto window = sys::json_int(reported, "modelContextWindow");
  bool first = !usage_;
  if (first) usage_.emplace();
  if (!moved && !first && usage_->model_context_window == window) return false;
  if (moved) usage_->job += counts_from_json(sys::json_object(reported, "last"));
  usage_->thread_total = total;
  usage_->model_context_window = window;
  return true;
}

}  // namespace companion::codex
