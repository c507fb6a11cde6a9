#include "codex/command_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

#include "sys/text.h"

namespace companion::codex {
namespace {

// Undoes the single quoting of a POSIX shell word ('a'\''b' -> a'b); nullopt if not one word.
std::optional<std::string> unquote_single(std::string_view s) {
  if (s.size() < 2 || s.front() != '\'' || s.back() != '\'') return std::nullopt;
  std::string out;
  std::string_view body = s.substr(1, s.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\'') {
      out.push_back(body[i]);
    } else if (body.substr(i, 4) == "'\\''") {
      out.push_back('\'');
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// The simple commands of a command line (split at ; & | ( ) ` and newlines), each as lowercase
// words (quotes dropped).
std::vector<std::vector<std::string>> simple_commands(std::string_view line) {
  std::vector<std::vector<std::string>> out(1);
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.back().push_back(std::move(cur));
    cur.clear();
  };
  for (char c : line) {
    if (std::string_view(";&|()`\n").find(c) != std::string_view::npos) {
      flush();
      if (!out.back().empty()) out.emplace_back();
    } else if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'') {
      flush();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  flush();
  return out;
}

std::string basename(const std::string& word) {
  size_t slash = word.rfind('/');
  return slash == std::string::npos ? word : word.substr(slash + 1);
}

}  // namespace

std::string display_command(const std::string& command) {
  std::string_view s = sys::trim(command);
  // <path/>bash|sh|zsh|dash -c|-lc <word>
  size_t sp = s.find(' ');
  if (sp == std::string_view::npos) return std::string(s);
  std::string shell = basename(std::string(s.substr(0, sp)));
  if (shell != "bash" && shell != "sh" && shell != "zsh" && shell != "dash") return std::string(s);
  std::string_view rest = sys::trim(s.substr(sp));
  if (rest.rfind("-lc ", 0) == 0) {
    rest = sys::trim(rest.substr(4));
  } else if (rest.rfind("-c ", 0) == 0) {
    rest = sys::trim(rest.substr(3));
  } else {
    return std::string(s);
  }
  if (auto inner = unquote_single(rest)) return *inner;
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    return std::string(rest.substr(1, rest.size() - 2));
  }
  return std::string(rest);
}

namespace {

// Index of the program word of a simple command, after wrappers such as `env X=1`, `sudo`,
// `npx`, `python -m`, `uv run`.
size_t program_index(const std::vector<std::string>& w) {
  size_t i = 0;
  while (i < w.size()) {
    const std::string& x = w[i];
    std::string name = basename(x);
    bool assignment = x.find('=') != std::string::npos && x.find('/') == std::string::npos;
    if (assignment || name == "env" || name == "sudo" || name == "time" || name == "npx" ||
        name == "bunx" || name == "exec" || name == "nice") {
      ++i;
    } else if (i + 1 < w.size() &&
               ((name.rfind("python", 0) == 0 && w[i + 1] == "-m") ||
                ((name == "uv" || name == "poetry" || name == "pipenv") && w[i + 1] == "run"))) {
      i += 2;  // a two-word wrapper: `python -m`, `uv run`, …
    } else {
      break;
    }
  }
  return i;
}

bool verifies(const std::vector<std::string>& w) {
  static constexpr std::array<std::string_view, 27> kTools = {
      "pytest",   "py.test",   "ctest",      "tsc",           "eslint",     "ruff",    "mypy",
      "flake8",   "pylint",    "jest",       "vitest",        "mocha",      "rspec",   "phpunit",
      "tox",      "nox",       "shellcheck", "golangci-lint", "clang-tidy", "ninja",   "black",
      "prettier", "stylelint", "pyright",    "cargo-nextest", "gotestsum",  "unittest"};
  static constexpr std::array<std::string_view, 13> kRunners = {
      "npm",   "yarn",   "pnpm",    "bun", "cargo",  "go",   "make",
      "bazel", "gradle", "gradlew", "mvn", "dotnet", "swift"};
  static constexpr std::array<std::string_view, 12> kVerbs = {
      "test", "tests",     "check",  "build", "lint", "clippy",
      "vet",  "typecheck", "verify", "ci",    "fmt",  "nextest"};
  size_t i = program_index(w);
  if (i >= w.size()) return false;
  std::string name = basename(w[i]);
  if (std::find(kTools.begin(), kTools.end(), name) != kTools.end()) return true;
  if (name == "cmake") {
    return std::find(w.begin() + static_cast<std::ptrdiff_t>(i), w.end(), "--build") != w.end();
  }
  if (std::find(kRunners.begin(), kRunners.end(), name) == kRunners.end()) return false;
  size_t verb = i + 1;
  if (verb < w.size() && (w[verb] == "run" || w[verb] == "-s")) ++verb;
  if (verb < w.size() && std::find(kVerbs.begin(), kVerbs.end(), w[verb]) != kVerbs.end()) {
    return true;
  }
  return name == "make" && (verb >= w.size() || w[verb].rfind('-', 0) == 0);
}

}  // namespace

bool is_verification_command(const std::string& command) {
  for (const auto& words : simple_commands(display_command(command))) {
    if (verifies(words)) return true;
  }
  return false;
}

}  // namespace companion::codex
