// Small text helpers shared by every layer: one-line excerpts, trimming, UTF-8-safe cuts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace companion::sys {

// `text` without leading and trailing whitespace (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);

// The first line of `text`, trimmed.
std::string first_line(std::string_view text);

// At most `max_bytes` of `text`, cut before a UTF-8 sequence rather than inside it.
std::string cut_utf8(std::string_view text, size_t max_bytes);

// `text` on one line (whitespace runs collapsed to one space) of at most `max_bytes`, with "…"
// appended when it was cut.
std::string excerpt(std::string_view text, size_t max_bytes);

// `value` as one word for a POSIX shell: in single quotes, each ' written as '"'"' (the
// reference plugin's format for its SessionStart exports, which its tests compare byte for byte).
std::string shell_single_quote(std::string_view value);

}  // namespace companion::sys
