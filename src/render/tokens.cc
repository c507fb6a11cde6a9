#include "render/tokens.h"

#include <fmt/format.h>

#include <array>

#include "sys/json_read.h"

namespace companion::render {

namespace {

constexpr std::array<const char*, 5> kCounts = {"inputTokens", "cachedInputTokens", "outputTokens",
                                                "reasoningOutputTokens", "totalTokens"};

int64_t count(const nlohmann::json& usage, const char* key) {
  return std::max<int64_t>(sys::json_int(usage, key).value_or(0), 0);
}

}  // namespace

std::string group_digits(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return value < 0 ? "-" + out : out;
}

std::string describe_token_usage(const nlohmann::json& usage) {
  if (!usage.is_object()) return "";
  std::string text = fmt::format("{} tokens (input {}", group_digits(count(usage, "totalTokens")),
                                 group_digits(count(usage, "inputTokens")));
  if (int64_t cached = count(usage, "cachedInputTokens"); cached > 0) {
    text += fmt::format(" of which {} cached", group_digits(cached));
  }
  text += ", output " + group_digits(count(usage, "outputTokens"));
  if (int64_t reasoning = count(usage, "reasoningOutputTokens"); reasoning > 0) {
    text += fmt::format(" of which {} reasoning", group_digits(reasoning));
  }
  return text + ")";
}

nlohmann::json total_token_usage(const nlohmann::json& jobs) {
  if (!jobs.is_array()) return nullptr;
  nlohmann::json sum = nlohmann::json::object();
  for (const char* key : kCounts) sum[key] = 0;
  int64_t with_usage = 0;
  for (const auto& job : jobs) {
    const nlohmann::json* usage = sys::json_field(job, "tokenUsage");
    if (usage == nullptr || !usage->is_object()) continue;
    ++with_usage;
    for (const char* key : kCounts) sum[key] = count(sum, key) + count(*usage, key);
  }
  if (with_usage == 0) return nullptr;
  sum["jobs"] = with_usage;
  return sum;
}

}  // namespace companion::render
