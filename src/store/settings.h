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

// max-parallel as stored (nullopt: unset) → the limit; an unreadable stored value (written by
// hand) falls back to the default.
size_t max_parallel_from(const std::optional<std::string>& stored);

// Ordinal queue positions (1 = next to start) of `waiting_ids`, given in start order, for `id`:
// nullopt when `id` is not waiting.
std::optional<size_t> queue_position(const std::vector<std::string>& waiting_ids,
                                     std::string_view id);

}  // namespace companion::store
