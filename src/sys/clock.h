// Wall and monotonic clocks, and the ISO-8601 form used in the store and logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace companion::sys {

// Milliseconds since the Unix epoch.
int64_t now_ms();
// Milliseconds of CLOCK_MONOTONIC.
int64_t monotonic_ms();
// Blocks the calling thread for `ms` milliseconds (nothing when ms <= 0).
void sleep_ms(int64_t ms);
// 2026-11-24T03:19:43.123Z
std::string iso_time(int64_t epoch_ms);
// Parses the form iso_time() writes (the fraction is optional); nullopt when malformed.
std::optional<int64_t> parse_iso_time(std::string_view text);

}  // namespace companion::sys
