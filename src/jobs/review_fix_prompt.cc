#include "jobs/review_fix_prompt.h"

#include "jobs/adversarial_prompt.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::jobs {

namespace {

constexpr size_t kMaxFindings = 50;
constexpr size_t kMaxFieldBytes = 8 * 1024;
constexpr size_t kMaxFindingsBytes = 256 * 1024;

std::string field(const nlohmann::json& object, std::string_view key) {
  return sys::cut_utf8(sys::trim(sys::json_text(object, key)), kMaxFieldBytes);
}

// A field that must stay on one line (severity, title, file).
std::string one_line(const nlohmann::json& object, std::string_view key) {
  return sys::excerpt(sys::json_text(object, key), 512);
}

std::string place_of(const nlohmann::json& finding) {
  std::string file = one_line(finding, "file");
  if (file.empty()) return "";
  auto start = sys::json_int(finding, "line_start");
  auto end = sys::json_int(finding, "line_end");
  if (start && end && *end > *start) return fmt::format("{}:{}-{}", file, *start, *end);
  if (start) return fmt::format("{}:{}", file, *start);
  return file;
}

std::string finding_text(size_t number, const nlohmann::json& finding) {
  std::string severity = one_line(finding, "severity");
  std::string place = place_of(finding);
  std::string out =
      fmt::format("{}. {}{}{}\n", number, severity.empty() ? "" : "[" + severity + "] ",
                  one_line(finding, "title"), place.empty() ? "" : " (" + place + ")");
  if (std::string body = field(finding, "body"); !body.empty()) out += body + "\n";
  if (std::string fix = field(finding, "recommendation"); !fix.empty()) {
    out += "Recommendation: " + fix + "\n";
  }
  return out + "\n";
}

// An adversarial review's findings; "" when it has neither findings nor a raw answer.
std::string adversarial_findings(const nlohmann::json& payload) {
  const nlohmann::json& parsed = sys::json_object(payload, "result");
  const nlohmann::json* findings = sys::json_field(parsed, "findings");
  std::string out;
  if (findings && findings->is_array() && !findings->empty()) {
    if (std::string summary = field(parsed, "summary"); !summary.empty()) {
      out += "Summary: " + summary + "\n\n";
    }
    out += "Findings:\n";
    size_t number = 0;
    for (const auto& finding : *findings) {
      if (!finding.is_object()) continue;
      if (++number > kMaxFindings) {
        out += fmt::format("({} more findings left out)\n", findings->size() - kMaxFindings);
        break;
      }
      out += finding_text(number, finding);
    }
    return out;
  }
  const nlohmann::json* stored = sys::json_field(payload, "result");
  if (stored && stored->is_object()) return "";  // parsed, and nothing was found
  std::string raw = sys::json_text(payload, "rawOutput");
  return raw.empty() ? "" : "The reviewer's answer (not in the expected shape):\n" + raw + "\n";
}

}  // namespace

Result<std::string> review_findings_text(const store::Job& review) {
  if (review.kind == store::JobKind::kTask) {
    return make_error(
        "job {} is a task, not a review; --from-review takes a finished review or "
        "adversarial-review job (see `codex-companion status --all`)",
        review.id);
  }
  if (review.active()) {
    return make_error("review {} is still {}; wait for it with `codex-companion status {} --wait`",
                      review.id, store::to_string(review.status), review.id);
  }
  if (review.status != store::JobStatus::kCompleted) {
    return make_error("review {} ended {}; it has no findings to fix (run the review again)",
                      review.id, store::to_string(review.status));
  }
  std::string text = review.kind == store::JobKind::kAdversarialReview
                         ? adversarial_findings(review.result)
                         : sys::json_text(sys::json_object(review.result, "codex"), "stdout");
  if (sys::trim(text).empty()) {
    return make_error("review {} found nothing to fix", review.id);
  }
  if (text.size() > kMaxFindingsBytes) {
    text = sys::cut_utf8(text, kMaxFindingsBytes) + "\n(the rest of the review was cut)\n";
  }
  return text;
}

Result<std::string> review_fix_prompt(const std::string& template_text, const store::Job& review,
                                      const std::string& user_text) {
  auto findings = review_findings_text(review);
  if (!findings) return findings.error();
  std::string source = fmt::format("{} job {}", store::kind_label(review.kind), review.id);
  std::string target = sys::json_text(sys::json_object(review.request, "target"), "label");
  if (!target.empty()) source += " of the " + target;
  std::string verdict = sys::json_text(sys::json_object(review.result, "result"), "verdict");
  if (!verdict.empty()) source += ", verdict " + verdict;
  std::string user =
      sys::trim(user_text).empty() ? "" : "Further instructions from the user:\n" + user_text;
  return fill_template(
      template_text,
      {{"REVIEW_SOURCE", source}, {"FINDINGS", *findings}, {"USER_INSTRUCTIONS", user}});
}

}  // namespace companion::jobs
