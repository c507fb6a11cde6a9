#include "jobs/adversarial_prompt.h"

#include <gtest/gtest.h>

#include "assets/plugin_assets.h"
#include "sys/env.h"

namespace companion::jobs {
namespace {

using git::kModeBranch;
using git::ReviewContext;
using git::ReviewTarget;

ReviewTarget sample_target() {
  ReviewTarget target;
  target.mode = kModeBranch;
  target.base_ref = "main";
  target.label = "branch diff against main";
  return target;
}

ReviewContext sample_context() {
  ReviewContext ctx;
  ctx.repo_root = "/src/project";
  ctx.branch = "feature";
  ctx.summary = "2 files changed in 1 commit against main";
  ctx.content = "## Diff\n+added line\n";
  ctx.guidance = "Use the context.";
  return ctx;
}

TEST(FillTemplate, ReplacesKnownPlaceholdersAndKeepsOtherBraces) {
  auto out = fill_template("a {{X}} b {{Y_2}} {{X}} {not} {{lower}} {{ X }} {{",
                           {{"X", "1"}, {"Y_2", "two"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "a 1 b two 1 {not} {{lower}} {{ X }} {{");
}

TEST(FillTemplate, UnknownPlaceholderIsAnError) {
  auto out = fill_template("hello {{TYPO}}", {{"X", "1"}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("{{TYPO}}"), std::string::npos) << out.error().message;
}

TEST(FillTemplate, ValuesAreNotExpandedAgain) {
  auto out = fill_template("{{A}}|{{B}}", {{"A", "{{B}}"}, {"B", "b"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "{{B}}|b");
}

TEST(RenderAdversarialPrompt, FillsEveryField) {
  std::string tmpl =
      "T={{TARGET_LABEL}}\nF={{USER_FOCUS}}\nG={{REVIEW_COLLECTION_GUIDANCE}}\n"
      "R={{REPO_ROOT}} B={{BRANCH}} S={{CONTEXT_SUMMARY}}\n{{REVIEW_INPUT}}";
  auto out = render_adversarial_prompt(tmpl, sample_target(), sample_context(), "  the locking  ");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out,
            "T=branch diff against main\nF=the locking\nG=Use the context.\n"
            "R=/src/project B=feature S=2 files changed in 1 commit against main\n"
            "## Diff\n+added line\n");
}

TEST(RenderAdversarialPrompt, EmptyFocusSaysThereIsNone) {
  auto out = render_adversarial_prompt("{{USER_FOCUS}}{{REVIEW_INPUT}}", sample_target(),
                                       sample_context(), " \n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rfind("None given", 0), 0u) << *out;
}

TEST(RenderAdversarialPrompt, ContentCannotInjectPlaceholders) {
  ReviewContext ctx = sample_context();
  ctx.content = "diff adds the text {{USER_FOCUS}} and {{UNKNOWN}}";
  auto out =
      render_adversarial_prompt("[{{USER_FOCUS}}] {{REVIEW_INPUT}}", sample_target(), ctx, "focus");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "[focus] diff adds the text {{USER_FOCUS}} and {{UNKNOWN}}");
}

TEST(RenderAdversarialPrompt, TemplateWithoutReviewInputIsRefused) {
  auto out = render_adversarial_prompt("no input here {{TARGET_LABEL}}", sample_target(),
                                       sample_context(), "");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("{{REVIEW_INPUT}}"), std::string::npos);
}

TEST(RenderAdversarialPrompt, CompiledInTemplateRenders) {
  auto tmpl = assets::plugin_file(sys::default_env(), std::nullopt, assets::kAdversarialPromptFile);
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  auto out = render_adversarial_prompt(*tmpl, sample_target(), sample_context(), "races");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->find("{{"), std::string::npos) << "unfilled placeholder";
  EXPECT_NE(out->find("branch diff against main"), std::string::npos);
  EXPECT_NE(out->find("races"), std::string::npos);
  EXPECT_NE(out->find("+added line"), std::string::npos);
  EXPECT_NE(out->find("Use the context."), std::string::npos);
}

}  // namespace
}  // namespace companion::jobs
