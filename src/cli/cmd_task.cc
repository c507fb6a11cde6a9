// `task [--background] [--write] [--worktree] [--from-review JOB]
//       [--resume-last|--resume|--fresh|--resume-thread ID] [--model M|spark] [--effort E]
//       [--prompt-file F] [prompt…]`, `task-resume-candidate [--json]`

#include "assets/plugin_assets.h"
#include "cli/commands.h"
#include "cli/execute.h"
#include "cli/job_ref.h"
#include "codex/sandbox_places.h"
#include "git/git_command.h"
#include "jobs/resume.h"
#include "jobs/review_fix_prompt.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::cli {

namespace {

// One bound for every way a prompt comes in: text, --prompt-file, stdin.
constexpr size_t kMaxPromptBytes = 4 * 1024 * 1024;
// How long piped stdin may stay silent before it is taken as no prompt at all.
constexpr int kStdinWaitMs = 200;

Result<std::string> prompt_from_file(const Context& ctx, const std::string& file) {
  if (file == "-") {
    auto text = sys::read_stdin(kMaxPromptBytes, /*only_if_piped=*/false, 0);
    if (!text) return make_error("cannot read the prompt from stdin: {}", text.error().message);
    return std::move(text->value());
  }
  auto text = ctx.env.read_file(file, kMaxPromptBytes, sys::Links::kFollow);
  if (!text) return make_error("cannot read --prompt-file: {}", text.error().message);
  return text;
}

Result<std::string> task_prompt(const Context& ctx) {
  std::string prompt = ctx.args.text;  // verbatim: no word in it is an option
  if (prompt.size() > kMaxPromptBytes) {
    return make_error("the prompt is larger than {}", sys::describe_bytes(kMaxPromptBytes));
  }
  if (auto file = ctx.args.value("prompt-file")) {
    if (!prompt.empty())
      return make_error("give the prompt either as text or with --prompt-file, not both");
    auto text = prompt_from_file(ctx, *file);
    if (!text) return text.error();
    prompt = std::move(*text);
  }
  if (prompt.empty()) {
    auto piped = sys::read_stdin(kMaxPromptBytes, /*only_if_piped=*/true, kStdinWaitMs);
    if (!piped) return make_error("cannot read the prompt from stdin: {}", piped.error().message);
    prompt = piped->value_or("");
  }
  if (prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
    return make_error("no prompt given: pass it as text, with --prompt-file FILE, or on stdin");
  }
  return prompt;
}

Status choose_thread(Context& ctx, store::JobStore& store, jobs::JobRequest& request) {
  bool resume = ctx.args.flag("resume") || ctx.args.flag("resume-last");
  bool fresh = ctx.args.flag("fresh");
  if (resume && fresh) return make_error("--resume and --fresh contradict each other; choose one");
  if (!resume) return {};
  auto thread = jobs::thread_to_resume(store, ctx.session_filter(), ctx.config.codex_home);
  if (!thread) return thread.error();
  request.resume_thread_id = std::move(*thread);
  request.resume_last = true;
  return {};
}

// `--from-review JOB`: the prompt fixes the findings of that finished review (the text given,
// if any, is added as the user's instructions). The task writes.
Status prompt_from_review(Context& ctx, store::JobStore& store, const std::string& ref,
                          jobs::JobRequest& request) {
  if (ctx.args.value("prompt-file")) {
    return make_error("--from-review builds the prompt from the review; drop --prompt-file");
  }
  auto review = resolve_job_ref(ctx, store, ref);
  if (!review) return review.error();
  COMPANION_TRY(codex::check_plugin_root(ctx.config, request.cwd, ctx.env));
  auto tmpl = assets::plugin_file(ctx.env, ctx.config.plugin_root, jobs::kReviewFixPromptFile);
  if (!tmpl) return tmpl.error();
  auto prompt = jobs::review_fix_prompt(*tmpl, review->job, ctx.args.text);
  if (!prompt) return prompt.error();
  request.prompt = std::move(*prompt);
  request.from_review = review->job.id;
  request.write = true;
  return {};
}

// `--worktree` starts from the repository's HEAD: refuse at once where there is none.
Status check_worktree_repository(sys::Env& env, const std::string& root) {
  auto repo = git::find_repo_root(env, root);
  if (!repo) return make_error("--worktree needs a git repository: {}", repo.error().message);
  if (!git::has_head_commit(env, *repo)) {
    return make_error(
        "--worktree starts from HEAD, but {} has no commit yet; commit first or drop --worktree",
        *repo);
  }
  return {};
}

Status prepare_task_request(Context& ctx, store::JobStore& store, jobs::JobRequest& request) {
  request.cwd = store.workspace().root;
  if (auto ref = ctx.args.value("from-review")) {
    COMPANION_TRY(prompt_from_review(ctx, store, *ref, request));
  } else {
    auto prompt = task_prompt(ctx);
    if (!prompt) return prompt.error();
    request.prompt = std::move(*prompt);
  }
  if (request.worktree) {
    request.write = true;
    COMPANION_TRY(check_worktree_repository(ctx.env, request.cwd));
  }
  if (request.resume_thread_id.empty()) {
    COMPANION_TRY(choose_thread(ctx, store, request));
  } else {
    COMPANION_TRY(jobs::check_named_thread(store, ctx.config.codex_home, request.resume_thread_id));
  }
  request.thread_name =
      "Codex Companion Task: " + sys::excerpt(request.from_review.empty()
                                                  ? request.prompt
                                                  : "Fix the findings of " + request.from_review,
                                              60);
  return {};
}

// `--resume-thread ID`: the Codex thread to continue, exactly. Thread ids are UUIDs; anything
// that could pass for an option or hide in a command line is refused before Codex sees it (the
// same rule as for the ids Codex sends us: sys::is_codex_id).
Result<std::string> resume_thread_option(const Context& ctx) {
  auto id = ctx.args.value("resume-thread");
  if (!id) return std::string();
  if (ctx.args.flag("resume") || ctx.args.flag("resume-last") || ctx.args.flag("fresh")) {
    return make_error(
        "--resume-thread names the thread to continue; drop --resume, --resume-last and --fresh");
  }
  if (!sys::is_codex_id(*id)) {
    return make_error(
        "--resume-thread needs a Codex thread id (letters, digits, '-', '_', '.', ':'; at most "
        "{} characters), such as the one `codex-companion status JOB` shows",
        sys::kMaxCodexIdBytes);
  }
  return *id;
}

}  // namespace

int run_task(Context& ctx) {
  jobs::JobRequest request;
  request.kind = store::JobKind::kTask;
  request.write = ctx.args.flag("write");
  request.worktree = ctx.args.flag("worktree");
  if (auto s = apply_model_options(ctx, request); !s) return fail(s.error());
  if (ctx.args.flag("resume") && ctx.args.flag("fresh")) {
    return fail("--resume and --fresh contradict each other; choose one");
  }
  auto thread = resume_thread_option(ctx);
  if (!thread) return fail(thread.error());
  request.resume_thread_id = *thread;
  if ((request.write || ctx.args.value("from-review")) && !request.worktree) {
    if (auto placed = check_write_placement(ctx); !placed) return fail(placed.error());
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  if (auto s = prepare_task_request(ctx, **store, request); !s) return fail(s.error());
  return execute_request(ctx, request, ctx.args.flag("background"));
}

int run_task_resume_candidate(Context& ctx) {
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  auto choice = jobs::resume_candidate(**store, ctx.session_filter(), ctx.config.codex_home);
  if (!choice) return fail(choice.error());
  const std::optional<store::Job>* candidate = &choice->candidate;
  nlohmann::json out = {
      {"available", candidate->has_value()},
      {"sessionId", ctx.session_id() ? nlohmann::json(*ctx.session_id()) : nlohmann::json()},
      {"candidate", nullptr},
      {"passedOver",
       choice->passed_over.empty() ? nlohmann::json() : nlohmann::json(choice->passed_over)}};
  if (candidate->has_value()) {
    const store::Job& job = **candidate;
    auto full = store::to_json(job);
    out["candidate"] = {{"id", job.id},
                        {"status", full["status"]},
                        {"title", job.title},
                        {"summary", job.summary},
                        {"threadId", job.thread_id},
                        {"completedAt", full["completedAt"]},
                        {"updatedAt", full["updatedAt"]}};
  }
  if (ctx.json()) {
    print_json(out);
  } else if (candidate->has_value()) {
    // The reference plugin's sentences, then ours.
    print_text(fmt::format("Resumable task found: {} ({}).\nCodex session: {}\nSummary: {}\n",
                           (*candidate)->id, store::to_string((*candidate)->status),
                           (*candidate)->thread_id, (*candidate)->summary));
  } else if (!choice->passed_over.empty()) {
    print_text(
        fmt::format("No resumable task found in this Codex home: {}.\n", choice->passed_over));
  } else {
    print_text(ctx.session_id() ? "No resumable task found for this session.\n"
                                : "No resumable task found for this repository.\n");
  }
  return 0;
}

}  // namespace companion::cli
