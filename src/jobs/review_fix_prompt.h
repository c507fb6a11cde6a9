// `task --from-review JOB`: the prompt of a write task that fixes what a finished review found,
// built from the review job's stored result (plugin/prompts/review-fix.md, compiled in).
#pragma once

#include <string>

#include "store/job.h"
#include "sys/result.h"

namespace companion::jobs {

inline constexpr std::string_view kReviewFixPromptFile = "prompts/review-fix.md";

// The findings of `review` as text for the prompt: for an adversarial review its parsed
// findings (severity, title, place, body, recommendation; at most 50, each field bounded) and
// summary, else its raw answer; for a native review its review text. Bounded to 256 KiB.
// Errors (one line saying what to run instead): `review` is not a review or adversarial-review,
// is still active, did not complete, or found nothing to fix.
Result<std::string> review_findings_text(const store::Job& review);

// Fills `template_text` ({{REVIEW_SOURCE}}, {{FINDINGS}}, {{USER_INSTRUCTIONS}}) for `review`;
// `user_text` (may be empty) is added as the user's own instructions.
Result<std::string> review_fix_prompt(const std::string& template_text, const store::Job& review,
                                      const std::string& user_text);

}  // namespace companion::jobs
