// Review reports: the structured answer of an adversarial review (parse, validate, render)
// and the text of Codex's built-in reviewer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sys/result.h"

namespace companion::render {

// Parses Codex's final message of an adversarial review. Accepts the bare JSON object, or one
// wrapped in a Markdown code fence (```json ... ```), with text around it. The object must
// have the review shape (see validate_review_output); it is returned as parsed, unchanged.
// Error: one line saying why (not JSON, or which field is wrong).
Result<nlohmann::json> parse_adversarial_output(std::string_view raw);

// Checks the shape {verdict: "approve"|"needs-attention", summary: string, findings: array of
// objects, next_steps: array of strings}. Findings are checked loosely (they are normalized
// when rendered); an empty string means valid, else the problem.
std::string validate_review_output(const nlohmann::json& value);

// A finding normalized for display: defaults for missing fields, lines checked.
struct Finding {
  std::string severity;  // critical|high|medium|low; anything else shows as given, sorted last
  std::string title;
  std::string body;
  std::string file;
  int line_start = 0;  // 0: unknown
  int line_end = 0;
  double confidence = -1;  // -1: not given
  std::string recommendation;
};

// The findings of a review object, normalized and ordered by severity (critical, high,
// medium, low, other), then file, then line_start. Order is otherwise stable.
std::vector<Finding> sorted_findings(const nlohmann::json& review);

// "src/a.cc:10-12", "src/a.cc:10", "src/a.cc".
std::string finding_location(const Finding& finding);

struct AdversarialReviewView {
  std::string target_label;
  // The validated object from parse_adversarial_output, or null when parsing failed.
  nlohmann::json result;
  std::string raw_output;   // Codex's final message as received
  std::string parse_error;  // why `result` is null
  // Non-empty when the turn itself failed (the run's error); shown instead of a parse error.
  std::string failure;
  std::vector<std::string> reasoning_summary;
  std::string thread_id;
  bool resume_hint = true;  // add "Codex session ID" / "codex resume <id>" lines
};

// Markdown: "# Codex Adversarial Review", target, verdict, summary, findings (ordered, with
// location, confidence and recommendation), next steps, reasoning. Without a result: the
// failure or parse error and the raw text in a fence that the text cannot close.
std::string render_adversarial_review(const AdversarialReviewView& view);

struct ReviewResultView {
  std::string target_label;
  std::string review_text;  // the built-in reviewer's text, shown as is
  std::string failure;      // non-empty when the review failed
  std::vector<std::string> reasoning_summary;
  std::string thread_id;
  bool resume_hint = true;
};

// Markdown for `review`: "# Codex Review", the target, the review text unchanged, and the
// thread id with its `codex resume <id>` hint.
std::string render_review_result(const ReviewResultView& view);

}  // namespace companion::render
