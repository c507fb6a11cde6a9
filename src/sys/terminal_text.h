// Text that reaches a terminal or a log: control characters made visible.
//
// Prompts, Codex's answers, repository paths and values echoed in errors are untrusted. Written
// raw, an ESC or C1 sequence in them drives the user's terminal: OSC 52 sets the clipboard, OSC 8
// hides a link target, CSI 2J clears the screen. Every text write to stdout or stderr goes through
// write_text(), and every `--json` document through escape_json_controls(), so no control
// sequence can pass (ECMA-48 defines C0 as U+0000–U+001F, C1 as U+0080–U+009F).
//
// Pure functions and one write; thread-safe.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace companion::sys {

// `text` with every control character except newline and tab rendered visibly:
//   C0 (0x00–0x1F) and DEL (0x7F)       → \xHH    (ESC → \x1b, BEL → \x07)
//   C1 (U+0080–U+009F, UTF-8 C2 80–9F)  → \u00HH  (CSI → \u009b)
//   a byte that is not part of valid UTF-8 → \xHH (a lone 0x9B is CSI to an 8-bit terminal)
// A carriage return directly before a newline is dropped (it has no visible effect there).
// Other text, valid UTF-8 included, is unchanged, so the result of printable_text() is a fixed
// point: applying it twice changes nothing more.
std::string printable_text(std::string_view text);

// Post-processes a JSON document made by nlohmann::json::dump (valid UTF-8, C0 characters
// already escaped): DEL and the C1 characters, which the dump leaves raw, become \u007f and
// \u0080–\u009f. Those bytes can only occur inside JSON strings, so the document parses to the
// same value.
std::string escape_json_controls(std::string_view json);

// Writes printable_text(text) to `stream` and flushes it. Errors (a closed pipe) are ignored:
// there is nowhere left to report them.
void write_text(std::FILE* stream, std::string_view text);

}  // namespace companion::sys
