// Tolerant reading of JSON that comes from outside the process (the app-server, broker clients,
// hook input, stored rows, transcripts, config): a missing field or a field of the wrong type
// reads as absent, never as an exception. nlohmann's `value()`, `get<T>()` and `operator[]` throw
// (or assert) on such input; code that reads outside data uses these instead (scripts/lint
// checks it).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace companion::sys {

// The deepest nesting parse_json() accepts. nlohmann's parser and destructor are iterative, but
// copying, comparing and dumping a value recurse once per level, so a value nested as deep as a
// line of '[' allows (a 16 MiB app-server line, a 1 MiB final answer) overflows the stack of
// whoever copies or stores it. Codex's messages nest 13 levels at most (src/codex/testdata).
inline constexpr int kMaxJsonDepth = 256;

// Parses JSON that comes from outside the process. Returns a discarded value (is_discarded())
// for malformed input and for input nested deeper than `max_depth` (then *too_deep, when given,
// is set); never throws.
nlohmann::json parse_json(std::string_view text, int max_depth = kMaxJsonDepth,
                          bool* too_deep = nullptr);

// The member `key` of `value`; nullptr when `value` is not an object or has no such member.
const nlohmann::json* json_field(const nlohmann::json& value, std::string_view key);

// The member as a string / bool / integer; nullopt when absent or of another type.
std::optional<std::string> json_string(const nlohmann::json& value, std::string_view key);
std::optional<bool> json_bool(const nlohmann::json& value, std::string_view key);
std::optional<int64_t> json_int(const nlohmann::json& value, std::string_view key);

// The member as a string, else "".
std::string json_text(const nlohmann::json& value, std::string_view key);

// The member when it is an object, else an empty object (so lookups can be chained).
const nlohmann::json& json_object(const nlohmann::json& value, std::string_view key);

// The string elements of the member when it is an array (others skipped), else none.
std::vector<std::string> json_strings(const nlohmann::json& value, std::string_view key);

// The member as it is (any type), else null.
nlohmann::json json_value(const nlohmann::json& value, std::string_view key);

}  // namespace companion::sys
