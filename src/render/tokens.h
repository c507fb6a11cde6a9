// Token usage in reports: one job's (`status JOB`, `result`) and the total of the jobs a
// `status` report lists.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace companion::render {

// "1,234 tokens (input 1,000 of which 200 cached, output 234 of which 10 reasoning)" for a job's
// tokenUsage object (codex/token_usage.h); "" when it is not an object.
std::string describe_token_usage(const nlohmann::json& usage);

// The sum of the `tokenUsage` of the jobs in `jobs` (an array of job snapshots; others skipped):
// {inputTokens, cachedInputTokens, outputTokens, reasoningOutputTokens, totalTokens, jobs}
// (`jobs`: how many had usage); null when none had any.
nlohmann::json total_token_usage(const nlohmann::json& jobs);

// "12,345" (thousands separated by commas).
std::string group_digits(int64_t value);

}  // namespace companion::render
