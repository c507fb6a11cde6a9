#include "jobs/adversarial_prompt.h"

#include "sys/text.h"

namespace companion::jobs {

namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Length of the placeholder name starting at `pos` when "{{NAME}}" starts at pos - 2; 0 if none.
size_t placeholder_name_length(const std::string& text, size_t pos) {
  size_t end = pos;
  while (end < text.size() && is_name_char(text[end])) ++end;
  if (end == pos || text.compare(end, 2, "}}") != 0) return 0;
  return end - pos;
}

}  // namespace

Result<std::string> fill_template(const std::string& template_text,
                                  const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(template_text.size());
  size_t pos = 0;
  while (pos < template_text.size()) {
    size_t open = template_text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t length = placeholder_name_length(template_text, open + 2);
    if (length == 0) {
      out.append(template_text, pos, open + 2 - pos);
      pos = open + 2;
      continue;
    }
    std::string name = template_text.substr(open + 2, length);
    auto value = values.find(name);
    if (value == values.end()) {
      return make_error("the prompt template uses an unknown placeholder {{{{{}}}}}", name);
    }
    out.append(template_text, pos, open - pos);
    out += value->second;
    pos = open + 2 + length + 2;
  }
  if (pos < template_text.size()) out.append(template_text, pos, std::string::npos);
  return out;
}

Result<std::string> render_adversarial_prompt(const std::string& template_text,
                                              const git::ReviewTarget& target,
                                              const git::ReviewContext& context,
                                              const std::string& focus) {
  if (template_text.find("{{REVIEW_INPUT}}") == std::string::npos) {
    return make_error(
        "the adversarial-review prompt template has no {{{{REVIEW_INPUT}}}} placeholder; fix the "
        "template under CODEX_COMPANION_PLUGIN_ROOT or unset it");
  }
  std::string user_focus(sys::trim(focus));
  if (user_focus.empty()) {
    user_focus = "None given: look for the most material risks anywhere in the change.";
  }
  return fill_template(template_text, {{"TARGET_LABEL", target.label},
                                       {"USER_FOCUS", user_focus},
                                       {"REVIEW_INPUT", context.content},
                                       {"REVIEW_COLLECTION_GUIDANCE", context.guidance},
                                       {"REPO_ROOT", context.repo_root},
                                       {"BRANCH", context.branch},
                                       {"CONTEXT_SUMMARY", context.summary}});
}

}  // namespace companion::jobs
