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
// 2026-11-24T03:19:43.123Z
std::string iso_time(int64_t epoch_ms);
// Parses the form iso_time() writes (the fraction is optional); nullopt when malformed.
std::optional<int64_t> parse_iso_time(std::string_view text);

// The longest duration accepted for a limit (timeouts, stall and deadline): 30 days.
inline constexpr int64_t kMaxDurationMs = 30LL * 24 * 3600 * 1000;

// Parses a whole-number count of milliseconds in [min_ms, kMaxDurationMs]; nullopt otherwise
// (not a number, trailing characters, out of range).
std::optional<int64_t> parse_duration_ms(std::string_view text, int64_t min_ms);

}  // namespace companion::sys
