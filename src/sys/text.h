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

// `path` (a file name from the repository, or one Codex reported) as git shows it with its default
// core.quotePath=true: unchanged when it holds only printable ASCII other than a double quote and
// a backslash; otherwise in double quotes, with \a \b \t \n \v \f \r \" \\ and every other byte
// below 0x20, DEL and every byte from 0x80 (each byte of a non-ASCII character) as a backslash
// and three octal digits ("caf\303\251.txt"). A name quoted so cannot end a line, pass for another
// entry, reorder the text around it (bidirectional controls) or carry a control sequence; the JSON
// payloads keep the exact path.
std::string quote_path(std::string_view path);

// The rule for ids exchanged with Codex: thread and turn ids the app-server sends (thread/start,
// thread/resume, review/start's reviewThreadId, subagent threads, turn/start, an import's thread)
// and the id `task --resume-thread` takes. 1 to kMaxCodexIdBytes of ASCII letters, digits, '-',
// '_', '.', ':', not starting with '-': such an id is one word on a shell command line (`codex
// resume <id>`), cannot pass for an option and holds nothing a terminal acts on.
inline constexpr size_t kMaxCodexIdBytes = 128;
bool is_codex_id(std::string_view id);

}  // namespace companion::sys
