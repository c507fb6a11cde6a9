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
