#include "hooks/session_env.h"

#include <algorithm>

#include "sys/text.h"

namespace companion::hooks {

namespace {

// One physical line of a shell script: [begin, end) with its newline, and whether a new
// statement starts on it (not inside a quote, a comment or a continuation of the line before).
struct ShellLine {
  size_t begin = 0;
  size_t end = 0;
  bool starts_statement = true;
};

enum class Quote { kNone, kSingle, kDouble, kAnsiC, kComment };

bool separates_words(char c) {
  return c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')';
}

// Where a scan of shell text stands.
struct ScanState {
  Quote quote = Quote::kNone;
  bool word_start = true;  // the next character starts a word
  bool continued = false;  // the line ends in a backslash-newline outside quotes
  bool dangling = false;   // the text ends in an unescaped backslash outside quotes
};

// What the character at `i` does to the state; advances `i` past an escaped character (never
// past a newline: the caller needs it to end the line).
void step(std::string_view text, size_t& i, ScanState& st) {
  const char c = text[i];
  const bool last = i + 1 == text.size();
  const bool newline_next = !last && text[i + 1] == '\n';
  switch (st.quote) {
    case Quote::kNone:
      if (c == '\\') {
        st.continued = newline_next;
        st.dangling = last;
        if (!newline_next && !last) ++i;
      } else if (c == '\'') {
        st.quote = Quote::kSingle;
      } else if (c == '"') {
        st.quote = Quote::kDouble;
      } else if (c == '$' && !last && text[i + 1] == '\'') {
        st.quote = Quote::kAnsiC;
        ++i;
      } else if (c == '#' && st.word_start) {
        st.quote = Quote::kComment;
      }
      st.word_start = separates_words(c);
      return;
    case Quote::kSingle:
      if (c == '\'') st.quote = Quote::kNone;
      return;
    case Quote::kDouble:
    case Quote::kAnsiC:
      if (c == '\\' && !newline_next && !last) {
        ++i;
      } else if (c == (st.quote == Quote::kDouble ? '"' : '\'')) {
        st.quote = Quote::kNone;
      }
      return;
    case Quote::kComment:
      return;
  }
}

struct ShellScan {
  std::vector<ShellLine> lines;
  // The text ends inside a quoted string or a backslash continuation: a line added after it
  // would belong to that statement.
  bool ends_inside_statement = false;
};

ShellScan scan_shell(std::string_view text) {
  ShellScan scan;
  ScanState st;
  ShellLine line;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      step(text, i, st);
      continue;
    }
    if (st.quote == Quote::kComment) st.quote = Quote::kNone;
    line.end = i + 1;
    scan.lines.push_back(line);
    line = ShellLine{i + 1, i + 1, st.quote == Quote::kNone && !st.continued};
    st.word_start = true;
    st.continued = false;
  }
  if (line.begin < text.size()) {
    line.end = text.size();
    scan.lines.push_back(line);
  }
  // After a last newline, `line` is the empty line that would come next: it continues a
  // statement when that newline was escaped.
  bool continued = !text.empty() && text.back() == '\n' && !line.starts_statement;
  scan.ends_inside_statement =
      continued || st.dangling || (st.quote != Quote::kNone && st.quote != Quote::kComment);
  return scan;
}

// `'…'` pieces and `"'"` pieces only: the word sys::shell_single_quote makes.
bool single_quoted_word(std::string_view word) {
  if (word.empty()) return false;
  size_t i = 0;
  while (i < word.size()) {
    if (word[i] == '\'') {
      size_t close = word.find('\'', i + 1);
      if (close == std::string_view::npos) return false;
      i = close + 1;
    } else if (word.substr(i, 3) == "\"'\"") {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

bool is_our_line(std::string_view line, const std::vector<std::string>& retired) {
  for (std::string_view name : {kSessionIdVariable, kTranscriptPathVariable}) {
    std::string prefix = "export " + std::string(name) + "=";
    if (line.substr(0, prefix.size()) == prefix && single_quoted_word(line.substr(prefix.size()))) {
      return true;
    }
  }
  return std::find(retired.begin(), retired.end(), line) != retired.end();
}

}  // namespace

std::string session_exports(const HookInput& input) {
  std::string out;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    out.append("export ").append(name).append("=");
    out.append(sys::shell_single_quote(value)).append("\n");
  };
  add(kSessionIdVariable, input.session_id);
  add(kTranscriptPathVariable, input.transcript_path);
  return out;
}

std::vector<std::string> retired_export_lines(std::string_view plugin_data) {
  if (plugin_data.empty()) return {};
  return {"export CLAUDE_PLUGIN_DATA=" + sys::shell_single_quote(plugin_data)};
}

std::string with_session_exports(std::string_view file, std::string_view exports,
                                 const std::vector<std::string>& retired) {
  std::string out;
  out.reserve(file.size() + exports.size() + 1);
  bool placed = false;
  for (const ShellLine& line : scan_shell(file).lines) {
    std::string_view whole = file.substr(line.begin, line.end - line.begin);
    std::string_view text = whole;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (line.starts_statement && is_our_line(text, retired)) {
      if (!placed) out.append(exports);
      placed = true;
      continue;
    }
    out.append(whole);
  }
  if (placed) return out;
  if (ends_inside_statement(out)) return std::string(file);
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out.append(exports);
  return out;
}

bool ends_inside_statement(std::string_view file) {
  return scan_shell(file).ends_inside_statement;
}

}  // namespace companion::hooks
