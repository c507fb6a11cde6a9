// `review [--wait|--background] [--base REF] [--scope auto|working-tree|branch] [--model M]`
// `adversarial-review [same flags] [focus text…]`
#include "assets/plugin_assets.h"
#include "cli/commands.h"
#include "cli/execute.h"
#include "codex/sandbox_places.h"
#include "git/review_context.h"
#include "git/review_target.h"
#include "jobs/adversarial_prompt.h"
#include "sys/text.h"

namespace companion::cli {

namespace {

Result<git::ReviewTarget> review_target(Context& ctx, const std::string& root) {
  std::string scope = ctx.args.value("scope").value_or("auto");
  return git::select_review_target(ctx.env, root, scope, ctx.args.value("base"));
}

Status fill_adversarial(Context& ctx, const git::ReviewTarget& target, jobs::JobRequest& request) {
  auto context = git::collect_review_context(ctx.env, request.cwd, target);
  if (!context) return context.error();
  // The compiled-in template and schema, unless CODEX_COMPANION_PLUGIN_ROOT names others.
  COMPANION_TRY(codex::check_plugin_root(ctx.config, request.cwd, ctx.env));
  const auto& plugin_root = ctx.config.plugin_root;
  auto tmpl = assets::plugin_file(ctx.env, plugin_root, assets::kAdversarialPromptFile);
  if (!tmpl) return tmpl.error();
  auto schema = assets::plugin_json(ctx.env, plugin_root, assets::kReviewSchemaFile);
  if (!schema) return schema.error();
  request.focus = ctx.args.text;  // verbatim: no word in it is an option
  auto prompt = jobs::render_adversarial_prompt(*tmpl, target, *context, request.focus);
  if (!prompt) return prompt.error();
  request.prompt = std::move(*prompt);
  request.output_schema = std::move(*schema);
  request.context = context->to_json();
  return {};
}

int run_any_review(Context& ctx, bool adversarial) {
  if (!adversarial && !ctx.args.text.empty()) {
    // Says what the reference plugin says (scripts match "does not support custom focus text"
    // and the suggested command with the user's own focus in it).
    return fail(fmt::format(
        "`/codex:review` runs Codex's built-in reviewer, which does not support custom focus "
        "text. For a review steered by your focus, run `/codex:adversarial-review {}`.",
        sys::trim(ctx.args.text)));
  }
  if (ctx.args.flag("wait") && ctx.args.flag("background")) {
    return fail("--wait and --background contradict each other; choose one");
  }
  jobs::JobRequest request;
  request.kind = adversarial ? store::JobKind::kAdversarialReview : store::JobKind::kReview;
  if (auto s = apply_model_options(ctx, request); !s) return fail(s.error());
  auto store = ctx.store();
  if (!store) return fail(store.error());
  request.cwd = (*store)->workspace().root;
  auto target = review_target(ctx, request.cwd);
  if (!target) return fail(target.error());
  request.target = target->to_json();
  request.review_target = target->app_server_target;
  if (adversarial) {
    if (auto s = fill_adversarial(ctx, *target, request); !s) return fail(s.error());
  }
  return execute_request(ctx, request, ctx.args.flag("background"));
}

}  // namespace

int run_review(Context& ctx) {
  return run_any_review(ctx, false);
}
int run_adversarial_review(Context& ctx) {
  return run_any_review(ctx, true);
}

}  // namespace companion::cli
