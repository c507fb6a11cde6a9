// Fuzz target: the argument splitter and parser (cli/args.h), above all the raw single-string
// form that Claude Code passes as "$ARGUMENTS".
//
// Input: the first byte picks a command's option set (free text or not), the rest is the raw
// argument string.
// Invariants:
//   - nothing throws or crashes; a failure is an error value with a message;
//   - free text, raw form: the text is a byte-exact suffix of the raw string, starts with no
//     whitespace, and parsing the part before it alone yields the same options and no text
//     (the words of the text never changed an option);
//   - free text, several arguments: the text is the remaining words joined by single spaces;
//   - split_raw_arguments inverts shell quoting: words quoted with '…' (and '\'' for an
//     apostrophe) and joined by spaces split back into the same words.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/args.h"
#include "fuzz_check.h"

namespace {

using companion::cli::OptionSpec;
using companion::cli::ParsedArgs;

// Option sets shaped like the commands' (cli/main.cc): free-text commands and the others.
const std::array<OptionSpec, 4>& specs() {
  static const std::array<OptionSpec, 4> kSpecs = {{
      {{"model", "effort", "prompt-file"},
       {"background", "wait", "write", "resume", "resume-last", "fresh"},
       true},
      {{"base", "scope", "model", "effort"}, {"wait", "background"}, true},
      {{"timeout-ms", "poll-interval-ms"}, {"all", "wait"}, false},
      {{"job-id"}, {}, false},
  }};
  return kSpecs;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

void check_raw_free_text(const std::string& raw, const OptionSpec& spec, const ParsedArgs& args) {
  const std::string& text = args.text;
  FUZZ_CHECK(text.size() <= raw.size(), "the text is no longer than the input");
  FUZZ_CHECK(raw.compare(raw.size() - text.size(), text.size(), text) == 0,
             "the text is a byte-exact suffix of the raw string");
  FUZZ_CHECK(text.empty() || !is_space(text.front()), "the text starts after the whitespace");
  std::string head = raw.substr(0, raw.size() - text.size());
  auto again = companion::cli::parse_arguments({head}, spec);
  FUZZ_CHECK(again.ok(), "the options alone parse again");
  FUZZ_CHECK(again->text.empty(), "the options alone leave no text");
  FUZZ_CHECK(again->values == args.values && again->flags == args.flags,
             "the text changed no option");
}

void check_several_words(const std::vector<std::string>& words, const OptionSpec& spec) {
  auto parsed = companion::cli::parse_arguments(words, spec);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty(), "an error says why");
    return;
  }
  if (!spec.free_text) {
    FUZZ_CHECK(parsed->positionals.size() <= words.size(), "no more positionals than words");
    return;
  }
  bool found = false;
  for (std::size_t i = 0; i <= words.size() && !found; ++i) {
    std::vector<std::string> rest(words.begin() + static_cast<long>(i), words.end());
    found = companion::cli::join_positionals(rest) == parsed->text;
  }
  FUZZ_CHECK(found, "the text is the remaining words joined by spaces");
}

void check_quoting_round_trip(const std::string& raw) {
  std::vector<std::string> words;
  std::string current;
  for (char c : raw) {
    if (c == '\x1f') {
      words.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  words.push_back(current);
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + shell_quote(w);
  auto split = companion::cli::split_raw_arguments(joined);
  FUZZ_CHECK(split.ok(), "quoted words always split");
  FUZZ_CHECK(*split == words, "quoted words split back into themselves");
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const OptionSpec& spec = specs()[in.ConsumeIntegral<uint8_t>() % specs().size()];
  std::string raw = in.ConsumeRemainingBytesAsString();

  auto parsed = companion::cli::parse_arguments({raw}, spec);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty(), "an error says why");
  } else if (spec.free_text) {
    check_raw_free_text(raw, spec, *parsed);
  }
  if (auto words = companion::cli::split_raw_arguments(raw); words && words->size() != 1) {
    check_several_words(*words, spec);
  }
  check_quoting_round_trip(raw);
  return 0;
}
