// Fuzz target: the adversarial review's answer parser and the review renderers
// (render/review.h), fed Codex's final message as any text.
//
// Input: the final message, as received. It is also parsed as the store reads JSON
// (sys::parse_json: no exceptions, nesting bounded) and, when it is JSON, rendered as a result no
// parser vouched for.
// Invariants: nothing throws or crashes; a parsed answer has the review shape and survives the
// trip through the store (dump, parse) unchanged; normalized findings are ordered by severity
// with sane lines and confidence; every renderer returns text, and the raw message is shown in a
// fence that it cannot close.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "render/review.h"
#include "sys/json_read.h"

namespace {

using nlohmann::json;
namespace render = companion::render;

int rank(const std::string& severity) {
  static const char* const kOrder[] = {"critical", "high", "medium", "low"};
  for (int i = 0; i < 4; ++i) {
    if (severity == kOrder[i]) return i;
  }
  return 4;
}

void check_findings(const json& review) {
  std::vector<render::Finding> findings = render::sorted_findings(review);
  for (size_t i = 0; i < findings.size(); ++i) {
    const render::Finding& f = findings[i];
    FUZZ_CHECK(!f.severity.empty() && !f.title.empty(), "severity and title have defaults");
    FUZZ_CHECK(f.line_start >= 0 && f.line_end >= 0, "lines are not negative");
    FUZZ_CHECK(f.line_start == 0 ? f.line_end == 0 : f.line_end >= f.line_start, "line range");
    FUZZ_CHECK(f.confidence == -1 || (f.confidence >= 0 && f.confidence <= 1), "confidence");
    FUZZ_CHECK(!render::finding_location(f).empty(), "a location");
    if (i > 0) FUZZ_CHECK(rank(findings[i - 1].severity) <= rank(f.severity), "severity order");
  }
}

void check_parsed(const json& result) {
  FUZZ_CHECK(result.is_object(), "a parsed answer is an object");
  FUZZ_CHECK(render::validate_review_output(result).empty(), "a parsed answer has the shape");
  // The job's stored result (store/schema.cc json_column, parse_json_column).
  std::string stored = result.dump(-1, ' ', false, json::error_handler_t::replace);
  json again = companion::sys::parse_json(stored);
  FUZZ_CHECK(again == result, "a parsed answer survives the store");
}

void check_raw_fence(const std::string& text, const std::string& raw) {
  // The raw message sits between "```…text" and a closing fence longer than any run of
  // backticks in it: the line after the opening fence starts it, the last fence line ends it.
  // The heading is a line of its own; the same words may come earlier inside the one-line parse
  // error, which quotes the answer (fuzz/crashes/review_output/heading-words-in-the-parse-error).
  size_t open = text.find("\nRaw final message:\n\n");
  if (open == std::string::npos) return;
  size_t fence_start = text.find('`', open);
  FUZZ_CHECK(fence_start != std::string::npos, "a fence follows");
  size_t fence_end = text.find_first_not_of('`', fence_start);
  size_t fence_len = fence_end - fence_start;
  size_t longest = 0, run = 0;
  for (char c : raw) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  FUZZ_CHECK(fence_len > longest, "the raw text cannot close its fence");
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  auto parsed = render::parse_adversarial_output(raw);
  render::AdversarialReviewView view;
  view.target_label = "working tree diff";
  view.raw_output = raw;
  view.thread_id = "thread-1";
  view.reasoning_summary = {raw.substr(0, 64)};
  if (parsed) {
    check_parsed(*parsed);
    check_findings(*parsed);
    view.result = *parsed;
  } else {
    FUZZ_CHECK(!parsed.error().message.empty(), "an unparsed answer says why");
    view.parse_error = parsed.error().message;
  }
  FUZZ_CHECK(!render::render_adversarial_review(view).empty(), "adversarial review text");
  view.result = nullptr;
  std::string shown = render::render_adversarial_review(view);
  check_raw_fence(shown, raw);
  view.failure = raw;
  (void)render::render_adversarial_review(view);

  // Any JSON as the result (a stored result no parser vouched for).
  json value = companion::sys::parse_json(raw);  // as the store would read it back
  if (!value.is_discarded()) {
    (void)render::validate_review_output(value);
    check_findings(value);
    view.result = value;
    view.failure.clear();
    FUZZ_CHECK(!render::render_adversarial_review(view).empty(), "any result renders");
  }
  render::ReviewResultView review{"branch diff", raw, "", {raw}, "thread-1", true};
  FUZZ_CHECK(!render::render_review_result(review).empty(), "review text");
  return 0;
}
