#include "render/review.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::render {

namespace {

std::string trim(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

// The parser's message for `text`, which is not JSON (so the parse throws before it built much).
std::string parse_error_message(const std::string& text) {
  try {
    nlohmann::json parsed = nlohmann::json::parse(text);
    (void)parsed;
  } catch (const nlohmann::json::exception& e) {
    return e.what();
  }
  return "not JSON";
}

// Parses `text` as JSON, nested at most sys::kMaxJsonDepth levels (the answer is stored and
// dumped later); nullopt (and why in `error`) when it is not such JSON.
std::optional<nlohmann::json> try_parse(const std::string& text, std::string* error) {
  bool too_deep = false;
  nlohmann::json parsed = sys::parse_json(text, sys::kMaxJsonDepth, &too_deep);
  if (!parsed.is_discarded()) return parsed;
  if (error) {
    *error = too_deep ? fmt::format("it is nested deeper than {} levels", sys::kMaxJsonDepth)
                      : parse_error_message(text);
  }
  return std::nullopt;
}

// The body of the first Markdown code fence in `text`, if any.
std::optional<std::string> first_fenced_block(const std::string& text) {
  size_t open = text.find("```");
  if (open == std::string::npos) return std::nullopt;
  size_t fence_end = text.find_first_not_of('`', open);
  if (fence_end == std::string::npos) return std::nullopt;
  std::string fence = text.substr(open, fence_end - open);
  size_t body = text.find('\n', fence_end);
  if (body == std::string::npos) return std::nullopt;
  size_t close = text.find("\n" + fence, body);
  if (close == std::string::npos) return std::nullopt;
  return text.substr(body + 1, close - body - 1);
}

// Candidate JSON texts in `raw`, most literal first.
std::vector<std::string> json_candidates(const std::string& raw) {
  std::vector<std::string> candidates = {raw};
  if (auto block = first_fenced_block(raw)) candidates.push_back(trim(*block));
  size_t first = raw.find('{');
  size_t last = raw.rfind('}');
  if (first != std::string::npos && last != std::string::npos && last > first) {
    candidates.push_back(raw.substr(first, last - first + 1));
  }
  return candidates;
}

int severity_rank(const std::string& severity) {
  static const char* const kOrder[] = {"critical", "high", "medium", "low"};
  for (int i = 0; i < 4; ++i) {
    if (severity == kOrder[i]) return i;
  }
  return 4;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? trim(it->get<std::string>()) : "";
}

int line_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  int64_t value = it->get<int64_t>();
  return value > 0 && value < (int64_t{1} << 31) ? static_cast<int>(value) : 0;
}

Finding normalize_finding(const nlohmann::json& source, size_t index) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& f = source.is_object() ? source : kEmpty;
  Finding out;
  out.severity = string_field(f, "severity");
  std::transform(out.severity.begin(), out.severity.end(), out.severity.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.severity.empty()) out.severity = "low";
  out.title = string_field(f, "title");
  if (out.title.empty()) out.title = fmt::format("Finding {}", index + 1);
  out.body = string_field(f, "body");
  out.file = string_field(f, "file");
  out.line_start = line_field(f, "line_start");
  out.line_end = line_field(f, "line_end");
  if (out.line_start == 0) out.line_end = 0;
  if (out.line_end < out.line_start) out.line_end = out.line_start;
  auto confidence = f.find("confidence");
  if (confidence != f.end() && confidence->is_number()) {
    out.confidence = std::clamp(confidence->get<double>(), 0.0, 1.0);
  }
  out.recommendation = string_field(f, "recommendation");
  return out;
}

std::string one_line(const std::string& text) {
  std::string out = text;
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

// Appends `text` indented by `indent`, line by line.
void push_indented(std::vector<std::string>& lines, const std::string& text,
                   const std::string& indent) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    lines.push_back(line.empty() ? "" : indent + line);
    start = end + 1;
  }
}

// A fence longer than any backtick run in `text`.
std::string fence_for(const std::string& text) {
  size_t longest = 0;
  size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

void push_raw_block(std::vector<std::string>& lines, const std::string& title,
                    const std::string& raw) {
  std::string fence = fence_for(raw);
  lines.insert(lines.end(), {"", title, "", fence + "text"});
  push_indented(lines, trim(raw), "");
  lines.push_back(fence);
}

void push_findings(std::vector<std::string>& lines, const nlohmann::json& review) {
  std::vector<Finding> findings = sorted_findings(review);
  if (findings.empty()) {
    lines.push_back("No material findings.");
    return;
  }
  lines.push_back("Findings:");
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    std::string head = fmt::format("{}. [{}] {} (`{}`)", i + 1, f.severity, one_line(f.title),
                                   finding_location(f));
    if (f.confidence >= 0) head += fmt::format(", confidence {:.2f}", f.confidence);
    lines.insert(lines.end(), {"", head});
    if (!f.body.empty()) push_indented(lines, f.body, "   ");
    if (!f.recommendation.empty()) {
      push_indented(lines, "Recommendation: " + f.recommendation, "   ");
    }
  }
}

void push_list(std::vector<std::string>& lines, const std::string& title,
               const std::vector<std::string>& items) {
  if (items.empty()) return;
  lines.insert(lines.end(), {"", title});
  for (const auto& item : items) lines.push_back("- " + one_line(item));
}

void push_resume(std::vector<std::string>& lines, const std::string& thread_id, bool wanted) {
  // Only a plain id can be shown as a command to copy (a stored id from an older version may not
  // be one).
  if (!wanted || !sys::is_codex_id(thread_id)) return;
  lines.insert(lines.end(), {"", "Codex session ID: " + thread_id,
                             "Resume in Codex: codex resume " + thread_id});
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

std::vector<std::string> next_steps(const nlohmann::json& review) {
  std::vector<std::string> steps;
  auto it = review.find("next_steps");
  if (it == review.end() || !it->is_array()) return steps;
  for (const auto& step : *it) {
    if (step.is_string() && !trim(step.get<std::string>()).empty()) {
      steps.push_back(trim(step.get<std::string>()));
    }
  }
  return steps;
}

}  // namespace

std::string validate_review_output(const nlohmann::json& value) {
  if (!value.is_object()) return "expected a JSON object at the top level";
  auto verdict = value.find("verdict");
  if (verdict == value.end() || !verdict->is_string()) return "missing string field `verdict`";
  if (*verdict != "approve" && *verdict != "needs-attention") {
    return fmt::format("`verdict` must be \"approve\" or \"needs-attention\", not {}",
                       verdict->dump());
  }
  auto summary = value.find("summary");
  if (summary == value.end() || !summary->is_string()) return "missing string field `summary`";
  auto findings = value.find("findings");
  if (findings == value.end() || !findings->is_array()) return "missing array field `findings`";
  for (size_t i = 0; i < findings->size(); ++i) {
    if (!(*findings)[i].is_object()) return fmt::format("`findings[{}]` is not an object", i);
  }
  auto steps = value.find("next_steps");
  if (steps == value.end() || !steps->is_array()) return "missing array field `next_steps`";
  return "";
}

Result<nlohmann::json> parse_adversarial_output(std::string_view raw) {
  std::string text = trim(raw);
  if (text.empty()) return make_error("Codex returned an empty final message");
  std::string first_error;
  std::string shape_error;
  for (const auto& candidate : json_candidates(text)) {
    std::string error;
    auto parsed = try_parse(candidate, first_error.empty() ? &first_error : &error);
    if (!parsed) continue;
    std::string problem = validate_review_output(*parsed);
    if (problem.empty()) return std::move(*parsed);
    if (shape_error.empty()) shape_error = problem;
  }
  if (!shape_error.empty()) return make_error("unexpected review shape: {}", shape_error);
  return make_error("the final message is not valid JSON: {}", first_error);
}

std::vector<Finding> sorted_findings(const nlohmann::json& review) {
  std::vector<Finding> findings;
  auto it = review.is_object() ? review.find("findings") : review.end();
  if (it == review.end() || !it->is_array()) return findings;
  for (size_t i = 0; i < it->size(); ++i) findings.push_back(normalize_finding((*it)[i], i));
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    int ra = severity_rank(a.severity);
    int rb = severity_rank(b.severity);
    if (ra != rb) return ra < rb;
    if (a.file != b.file) return a.file < b.file;
    return a.line_start < b.line_start;
  });
  return findings;
}

std::string finding_location(const Finding& f) {
  // The path Codex names, quoted as git quotes names (a newline in it cannot start a line).
  std::string file = f.file.empty() ? "unknown file" : sys::quote_path(f.file);
  if (f.line_start == 0) return file;
  if (f.line_end == f.line_start) return fmt::format("{}:{}", file, f.line_start);
  return fmt::format("{}:{}-{}", file, f.line_start, f.line_end);
}

std::string render_adversarial_review(const AdversarialReviewView& view) {
  std::vector<std::string> lines = {"# Codex Adversarial Review", ""};
  if (!view.target_label.empty()) lines.push_back("Target: " + view.target_label);
  std::string problem = view.result.is_null() ? "" : validate_review_output(view.result);
  if (!view.result.is_object() || !problem.empty()) {
    std::string parse_error = !problem.empty()           ? "unexpected review shape: " + problem
                              : view.parse_error.empty() ? "no output"
                                                         : view.parse_error;
    lines.push_back("");
    if (!view.failure.empty()) {
      lines.push_back("Codex review failed before returning a verdict: " + one_line(view.failure));
    } else {
      lines.push_back("Codex did not return a valid structured review.");
      lines.push_back("");
      lines.push_back("- Parse error: " + one_line(parse_error));
    }
    if (!trim(view.raw_output).empty())
      push_raw_block(lines, "Raw final message:", view.raw_output);
  } else {
    lines.push_back("Verdict: " + string_field(view.result, "verdict"));
    lines.push_back("");
    push_indented(lines, string_field(view.result, "summary"), "");
    lines.push_back("");
    push_findings(lines, view.result);
    push_list(lines, "Next steps:", next_steps(view.result));
  }
  push_list(lines, "Reasoning:", view.reasoning_summary);
  push_resume(lines, view.thread_id, view.resume_hint);
  return join(lines);
}

std::string render_review_result(const ReviewResultView& view) {
  std::vector<std::string> lines = {"# Codex Review", ""};
  if (!view.target_label.empty()) lines.insert(lines.end(), {"Target: " + view.target_label, ""});
  std::string text = trim(view.review_text);
  if (!view.failure.empty()) {
    lines.push_back("Codex review failed: " + one_line(view.failure));
    if (!text.empty()) lines.push_back("");
  } else if (text.empty()) {
    lines.push_back("Codex review finished without any review text.");
  }
  if (!text.empty()) lines.push_back(text);
  push_list(lines, "Reasoning:", view.reasoning_summary);
  push_resume(lines, view.thread_id, view.resume_hint);
  return join(lines);
}

}  // namespace companion::render
