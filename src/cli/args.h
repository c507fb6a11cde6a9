// Command-line handling shared by every command (SPEC.md section 1).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sys/result.h"

namespace companion::cli {

// Splits one raw argument string as a POSIX shell would: whitespace separates words; single
// quotes keep everything literally; double quotes keep everything but `\"`, `\\`, `\$` and `` \` ``
// escapes; a backslash outside quotes escapes the next character. An unterminated quote is an
// error.
Result<std::vector<std::string>> split_raw_arguments(const std::string& raw);

// Which options a command knows.
struct OptionSpec {
  std::set<std::string> value_options;    // take a value: --name value / --name=value
  std::set<std::string> boolean_options;  // --flag, --flag=true|false
  // The command takes free text (a prompt, focus text). Options are then read only up to the
  // first word that is not one of its options (or up to `--`); everything from there on is
  // ParsedArgs::text, and no word in it is ever read as an option.
  bool free_text = false;
  // Commands without free text: the most positionals they take (nullopt: the command checks).
  std::optional<size_t> max_positionals;
  // The positionals may be literal words given after `--` (config set notify CMD...): the error
  // for an unknown option then says so.
  bool literal_words = false;
};

struct ParsedArgs {
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::vector<std::string> positionals;  // commands without free text
  std::string text;                      // commands with free text: the text, verbatim

  bool flag(const std::string& name) const {
    auto it = flags.find(name);
    return it != flags.end() && it->second;
  }
  bool has_flag(const std::string& name) const { return flags.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

// Parses the arguments after the command name. Every command also knows --cwd (alias -C),
// --json, --help and --version.
//
// An unknown option is an error, never text, a positional or ignored: a word of two or more
// characters that starts with `-` (not `--`, not a negative number like `-5`, no whitespace in its
// name: a quoted "--write this" is a word of text) and is none of the command's options, before
// the text of a free-text command or anywhere (before `--`) in the others: "unknown option --x
// for COMMAND; put text after -- to send it literally" (free text and literal_words), else
// "...; run `codex-companion COMMAND --help` for its options".
//
// Free-text commands (spec.free_text): options are read up to the first word that is not an
// option of the command, or up to `--`. When exactly one argument is given it is the raw string
// Claude Code passes as "$ARGUMENTS": its option words are split like a shell would (quoted
// values allowed), and the text is the exact remainder of the string after the option words and
// the whitespace that follows them, byte for byte (quotes, backslashes and an unbalanced quote
// are literal). With several arguments the text is the remaining arguments joined by single
// spaces.
//
// Other commands: options may come anywhere; everything after `--` is positionals; a single
// argument is split with split_raw_arguments first. More positionals than max_positionals is an
// error.
//
// `-h` is --help. `command` names the command in errors.
// Errors: an unknown option, a value option without a value, a bad boolean, an unterminated
// quote outside the text, too many positionals.
Result<ParsedArgs> parse_arguments(const std::vector<std::string>& args, const OptionSpec& spec,
                                   std::string_view command = "this command");

// Joins positionals with single spaces.
std::string join_positionals(const std::vector<std::string>& positionals);

}  // namespace companion::cli
