// Filling the adversarial-review prompt template (plugin/prompts/adversarial-review.md, compiled
// in: assets::kAdversarialPromptFile) with a review target and its git context.
#pragma once

#include <map>
#include <string>

#include "git/review_context.h"
#include "git/review_target.h"
#include "sys/result.h"

namespace companion::jobs {

// Replaces every {{NAME}} (NAME of A-Z, 0-9 and _) in `template_text` with values[NAME], in
// one pass: text that comes in through a value is never expanded again. Other braces are kept.
// Error: a placeholder with no value (a typo in the template).
Result<std::string> fill_template(const std::string& template_text,
                                  const std::map<std::string, std::string>& values);

// The adversarial-review prompt. Placeholders: {{TARGET_LABEL}}, {{USER_FOCUS}} (the focus
// text, or a line saying there is none), {{REVIEW_INPUT}} (context.content, required),
// {{REVIEW_COLLECTION_GUIDANCE}}, {{REPO_ROOT}}, {{BRANCH}}, {{CONTEXT_SUMMARY}}.
// Errors: a template without {{REVIEW_INPUT}}, an unknown placeholder.
Result<std::string> render_adversarial_prompt(const std::string& template_text,
                                              const git::ReviewTarget& target,
                                              const git::ReviewContext& context,
                                              const std::string& focus);

}  // namespace companion::jobs
