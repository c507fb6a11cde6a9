#include "cli/args.h"

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

}  // namespace

Result<std::vector<std::string>> split_raw_arguments(const std::string& raw) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (is_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t end = raw.find('\'', i + 1);
      if (end == std::string::npos) return make_error("unterminated single quote in arguments");
      word.append(raw, i + 1, end - i - 1);
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      in_word = true;
      for (++i; i < raw.size() && raw[i] != '"';) i = take_double_quoted(raw, i, word);
      if (i >= raw.size()) return make_error("unterminated double quote in arguments");
      ++i;
    } else if (c == '\\') {
      in_word = true;
      if (i + 1 < raw.size() && raw[i + 1] != '\n') word.push_back(raw[i + 1]);
      i += 2;
    } else {
      in_word = true;
      word.push_back(c);
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

namespace {

std::string canonical_name(const std::string& name) {
  return name == "C" ? "cwd" : name;
}

Result<bool> parse_bool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text.empty()) return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return make_error("--{} takes true or false, not '{}'", name, text);
}

}  // namespace

Result<ParsedArgs> parse_arguments(const std::vector<std::string>& args, const OptionSpec& spec) {
  std::vector<std::string> tokens = args;
  if (args.size() == 1) {
    auto split = split_raw_arguments(args[0]);
    if (!split) return split.error();
    tokens = std::move(*split);
  }
  OptionSpec all = spec;
  all.value_options.insert("cwd");
  for (const char* b : {"json", "help", "version"}) all.boolean_options.insert(b);

  ParsedArgs out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& tok = tokens[i];
    if (tok == "--") {
      out.positionals.insert(out.positionals.end(), tokens.begin() + static_cast<long>(i) + 1,
                             tokens.end());
      break;
    }
    bool long_opt = tok.size() > 2 && tok.compare(0, 2, "--") == 0;
    bool short_cwd = tok == "-C";
    if (!long_opt && !short_cwd) {
      out.positionals.push_back(tok);
      continue;
    }
    std::string body = short_cwd ? "C" : tok.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body.resize(eq);
    }
    std::string name = canonical_name(body);
    if (all.value_options.count(name)) {
      if (inline_value) {
        out.values[name] = *inline_value;
      } else if (i + 1 < tokens.size()) {
        out.values[name] = tokens[++i];
      } else {
        return make_error("--{} needs a value", name);
      }
    } else if (all.boolean_options.count(name)) {
      auto value = parse_bool(name, inline_value.value_or(""));
      if (!value) return value.error();
      out.flags[name] = *value;
    } else {
      out.positionals.push_back(tok);
    }
  }
  return out;
}

std::string join_positionals(const std::vector<std::string>& positionals) {
  std::string out;
  for (const auto& p : positionals) {
    if (!out.empty()) out.push_back(' ');
    out += p;
  }
  return out;
}

}  // namespace companion::cli
