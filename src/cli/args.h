// Command-line handling shared by every command (SPEC.md section 1).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
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
};

struct ParsedArgs {
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::vector<std::string> positionals;

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
// --json, --help and --version. Unknown --x tokens, and everything after `--`, are positionals.
// When exactly one argument is given it is split with split_raw_arguments first.
Result<ParsedArgs> parse_arguments(const std::vector<std::string>& args, const OptionSpec& spec);

// Joins positionals with single spaces (a prompt or focus text).
std::string join_positionals(const std::vector<std::string>& positionals);

}  // namespace companion::cli
