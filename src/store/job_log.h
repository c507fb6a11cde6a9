// Job logs: append-only text. Progress events are `[ISO time] message` lines; blocks (assistant
// message, reasoning summary, review output, final output) are a title line followed by the
// body indented by two spaces, so a reader can tell the two apart from any tail of the file.
#pragma once

#include <string>
#include <vector>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::store {

// Control characters other than newline and tab are stored made visible (sys::printable_text):
// a log is shown by `logs` and in progress previews, and may be read with cat or tail.
//
// "[<now>] message\n", a multi-line message folded onto one line.
std::string log_line(sys::Env& env, const std::string& message);

// Appends log_line(message).
Status append_log_line(sys::Env& env, const std::string& path, const std::string& message);

// Appends "[<now>] == title ==\n" and the body, each line indented by two spaces.
Status append_log_block(sys::Env& env, const std::string& path, const std::string& title,
                        const std::string& body);

// The last `count` progress lines (messages only, without the time stamp), oldest first.
// Reads at most the last 64 KiB of the file; a missing (or unreadable) file has no lines.
std::vector<std::string> progress_preview(sys::Env& env, const std::string& path, size_t count);

// Pure part of progress_preview, for tests: picks progress messages from a tail of a log.
std::vector<std::string> progress_lines_in(const std::string& tail, size_t count);

}  // namespace companion::store
