// Workspace settings (`config get|set|unset`), kept in the store's config table: the known keys,
// how a value is checked and normalized, and each key's default. Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/result.h"

namespace companion::store {

// How many jobs of a workspace may hold a slot (run, or be starting) at once, unless
// `config set max-parallel N` says otherwise. Measured, see README.md ("Queue and limit").
inline constexpr size_t kDefaultMaxParallel = 4;
inline constexpr int64_t kMaxMaxParallel = 64;
// The longest notify command accepted (bytes).
inline constexpr size_t kMaxNotifyBytes = 4096;

inline constexpr std::string_view kMaxParallelKey = "max-parallel";
inline constexpr std::string_view kNotifyKey = "notify";
inline constexpr std::string_view kReviewGateKey = "stopReviewGate";
// Model defaults (cli/defaults.h): tasks use model/effort, reviews review-model/review-effort.
// No key ever widens the sandbox: a write task still needs --write.
inline constexpr std::string_view kModelKey = "model";
inline constexpr std::string_view kEffortKey = "effort";
inline constexpr std::string_view kReviewModelKey = "review-model";
inline constexpr std::string_view kReviewEffortKey = "review-effort";
// The longest model name accepted (bytes).
inline constexpr size_t kMaxModelBytes = 128;

struct SettingInfo {
  std::string_view key;
  std::string_view default_text;  // shown by `config get`; "" = unset
  std::string_view help;
};

// Every key `config` knows, in display order.
const std::vector<SettingInfo>& known_settings();

// Checks `value` for `key` and returns the text to store (numbers without leading zeros or
// sign, booleans as true/false). The error is the one line to show: it names the key, what
// was wrong and what is accepted.
Result<std::string> normalize_setting(std::string_view key, std::string_view value);

// The key's info, or an error listing the known keys.
Result<SettingInfo> find_setting(std::string_view key);

// A model name as `--model` or a model key takes it: `spark` means gpt-5.3-codex-spark; else any
// text without control characters, not starting with '-', at most kMaxModelBytes (it only ever
// reaches Codex inside JSON). `name` is how the user
// gave it (`--model`, `model`), for the error, which lists what is accepted.
Result<std::string> normalize_model(std::string_view name, std::string_view value);
// A reasoning effort: none, minimal, low, medium, high or xhigh (the error lists them).
Result<std::string> normalize_effort(std::string_view name, std::string_view value);
// Whether `key` is one of the model defaults (model, effort, review-model, review-effort), which
// may also be set in the user's file.
bool is_model_default(std::string_view key);

// max-parallel as stored (nullopt: unset) → the limit; an unreadable stored value (written by
// hand) falls back to the default.
size_t max_parallel_from(const std::optional<std::string>& stored);

// Ordinal queue positions (1 = next to start) of `waiting_ids`, given in start order, for `id`:
// nullopt when `id` is not waiting.
std::optional<size_t> queue_position(const std::vector<std::string>& waiting_ids,
                                     std::string_view id);

}  // namespace companion::store
