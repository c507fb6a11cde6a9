#include "cli/args.h"

#include <algorithm>

namespace companion::cli {

namespace {

// Appends one character of a double-quoted string, handling the escapes a shell honours there.
size_t take_double_quoted(const std::string& raw, size_t i, std::string& word) {
  if (raw[i] == '\\' && i + 1 < raw.size()) {
    char next = raw[i + 1];
    if (next == '"' || next == '\\' || next == '$' || next == '`') {
      word.push_back(next);
      return i + 2;
    }
    if (next == '\n') return i + 2;
  }
  word.push_back(raw[i]);
  return i + 1;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_space(const std::string& raw, size_t pos) {
  while (pos < raw.size() && is_space(raw[pos])) ++pos;
  return pos;
}

// Lexes the shell word that starts at raw[pos] (not whitespace); sets `end` past it.
Result<std::string> lex_word(const std::string& raw, size_t pos, size_t& end) {
  std::string word;
  size_t i = pos;
  while (i < raw.size() && !is_space(raw[i])) {
    char c = raw[i];
    if (c == '\'') {
      size_t close = raw.find('\'', i + 1);
      if (close == std::string::npos) return make_error("unterminated single quote in arguments");
      word.append(raw, i + 1, close - i - 1);
      i = close + 1;
    } else if (c == '"') {
      for (++i; i < raw.size() && raw[i] != '"';) i = take_double_quoted(raw, i, word);
      if (i >= raw.size()) return make_error("unterminated double quote in arguments");
      ++i;
    } else if (c == '\\') {
      if (i + 1 < raw.size() && raw[i + 1] != '\n') word.push_back(raw[i + 1]);
      i += 2;
    } else {
      word.push_back(c);
      ++i;
    }
  }
  end = std::min(i, raw.size());
  return word;
}

}  // namespace

Result<std::vector<std::string>> split_raw_arguments(const std::string& raw) {
  std::vector<std::string> words;
  for (size_t pos = skip_space(raw, 0); pos < raw.size();) {
    size_t end = pos;
    auto word = lex_word(raw, pos, end);
    if (!word) return word.error();
    words.push_back(std::move(*word));
    pos = skip_space(raw, end);
  }
  return words;
}

namespace {

struct OptionWord {
  std::string name;
  std::optional<std::string> inline_value;  // --name=value
  bool takes_value = false;
};

// Whether `word` is written as an option: `-x…` or `--x…` whose name has no whitespace, but not
// `--` (the end of options), a lone `-` or a negative number.
bool looks_like_option(std::string_view word) {
  if (word.size() < 2 || word[0] != '-' || word == "--") return false;
  char next = word[1] == '-' ? (word.size() > 2 ? word[2] : '\0') : word[1];
  if (next >= '0' && next <= '9') return false;
  // An option's name has no whitespace: a word that does ("--write this", quoted) is text.
  std::string_view name = word.substr(0, word.find('='));
  return name.find_first_of(" \t\r\n") == std::string_view::npos;
}

// The one line for an option the command does not have.
Error unknown_option(const std::string& word, const OptionSpec& spec, std::string_view command) {
  std::string name = word.substr(0, word.find('='));
  if (spec.free_text || spec.literal_words) {
    return make_error("unknown option {} for {}; put text after -- to send it literally", name,
                      command);
  }
  return make_error("unknown option {} for {}; run `codex-companion {} --help` for its options",
                    name, command, command);
}

// The option `word` names when it is one of the command's options; nullopt otherwise.
std::optional<OptionWord> option_word(const std::string& word, const OptionSpec& all) {
  bool long_opt = word.size() > 2 && word.compare(0, 2, "--") == 0;
  if (!long_opt && word != "-C" && word != "-h") return std::nullopt;
  OptionWord opt;
  std::string body = long_opt ? word.substr(2) : word.substr(1);
  if (auto eq = body.find('='); eq != std::string::npos) {
    opt.inline_value = body.substr(eq + 1);
    body.resize(eq);
  }
  opt.name = body == "C" ? "cwd" : body == "h" ? "help" : body;
  opt.takes_value = all.value_options.count(opt.name) != 0;
  if (!opt.takes_value && all.boolean_options.count(opt.name) == 0) return std::nullopt;
  return opt;
}

Result<bool> parse_bool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text.empty()) return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return make_error("--{} takes true or false, not '{}'", name, text);
}

// Records an option; `value` is the value of a value option (REQUIRES: set for those).
Status set_option(ParsedArgs& out, const OptionWord& opt, const std::optional<std::string>& value) {
  if (opt.takes_value) {
    out.values[opt.name] = *value;
    return {};
  }
  auto flag = parse_bool(opt.name, opt.inline_value.value_or(""));
  if (!flag) return flag.error();
  out.flags[opt.name] = *flag;
  return {};
}

// Options anywhere; everything after `--` is positionals.
Result<ParsedArgs> parse_interleaved(const std::vector<std::string>& tokens, const OptionSpec& all,
                                     std::string_view command) {
  ParsedArgs out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == "--") {
      out.positionals.insert(out.positionals.end(), tokens.begin() + static_cast<long>(i) + 1,
                             tokens.end());
      break;
    }
    auto opt = option_word(tokens[i], all);
    if (!opt) {
      if (looks_like_option(tokens[i])) return unknown_option(tokens[i], all, command);
      out.positionals.push_back(tokens[i]);
      continue;
    }
    std::optional<std::string> value = opt->inline_value;
    if (opt->takes_value && !value) {
      if (i + 1 >= tokens.size()) return make_error("--{} needs a value", opt->name);
      value = tokens[++i];
    }
    COMPANION_TRY(set_option(out, *opt, value));
  }
  return out;
}

// Free text, several arguments: options, then the rest joined by single spaces.
Result<ParsedArgs> parse_free_argv(const std::vector<std::string>& tokens, const OptionSpec& all,
                                   std::string_view command) {
  ParsedArgs out;
  size_t i = 0;
  for (; i < tokens.size(); ++i) {
    if (tokens[i] == "--") {
      ++i;
      break;
    }
    auto opt = option_word(tokens[i], all);
    if (!opt && looks_like_option(tokens[i])) return unknown_option(tokens[i], all, command);
    if (!opt) break;
    std::optional<std::string> value = opt->inline_value;
    if (opt->takes_value && !value) {
      if (i + 1 >= tokens.size()) return make_error("--{} needs a value", opt->name);
      value = tokens[++i];
    }
    COMPANION_TRY(set_option(out, *opt, value));
  }
  out.text = join_positionals({tokens.begin() + static_cast<long>(i), tokens.end()});
  return out;
}

// Free text, one raw string: option words split like a shell, then the exact remainder.
Result<ParsedArgs> parse_free_raw(const std::string& raw, const OptionSpec& all,
                                  std::string_view command) {
  ParsedArgs out;
  size_t pos = skip_space(raw, 0);
  while (pos < raw.size()) {
    size_t end = pos;
    auto word = lex_word(raw, pos, end);
    if (!word) break;  // an unbalanced quote can only be text: it stays literal
    if (*word == "--") {
      pos = skip_space(raw, end);
      break;
    }
    auto opt = option_word(*word, all);
    if (!opt && looks_like_option(*word)) return unknown_option(*word, all, command);
    if (!opt) break;
    std::optional<std::string> value = opt->inline_value;
    if (opt->takes_value && !value) {
      size_t value_pos = skip_space(raw, end);
      if (value_pos >= raw.size()) return make_error("--{} needs a value", opt->name);
      auto lexed = lex_word(raw, value_pos, end);
      if (!lexed) return make_error("the value of --{}: {}", opt->name, lexed.error().message);
      value = std::move(*lexed);
    }
    COMPANION_TRY(set_option(out, *opt, value));
    pos = skip_space(raw, end);
  }
  out.text = raw.substr(pos);
  return out;
}

}  // namespace

Result<ParsedArgs> parse_arguments(const std::vector<std::string>& args, const OptionSpec& spec,
                                   std::string_view command) {
  OptionSpec all = spec;
  all.value_options.insert("cwd");
  for (const char* b : {"json", "help", "version"}) all.boolean_options.insert(b);
  if (spec.free_text) {
    return args.size() == 1 ? parse_free_raw(args[0], all, command)
                            : parse_free_argv(args, all, command);
  }
  Result<ParsedArgs> parsed = ParsedArgs{};
  if (args.size() == 1) {
    auto split = split_raw_arguments(args[0]);
    if (!split) return split.error();
    parsed = parse_interleaved(*split, all, command);
  } else {
    parsed = parse_interleaved(args, all, command);
  }
  if (parsed && spec.max_positionals && parsed->positionals.size() > *spec.max_positionals &&
      !parsed->flag("help")) {
    const std::string& extra = parsed->positionals[*spec.max_positionals];
    return make_error("unexpected argument '{}' for {}; run `codex-companion {} --help`", extra,
                      command, command);
  }
  return parsed;
}

std::string join_positionals(const std::vector<std::string>& positionals) {
  std::string out;
  for (size_t i = 0; i < positionals.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += positionals[i];
  }
  return out;
}

}  // namespace companion::cli
