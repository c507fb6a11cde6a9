#include "hooks/stop_hook.h"

#include <algorithm>
#include <variant>

#include "assets/plugin_assets.h"
#include "codex/codex_binary.h"
#include "codex/sandbox_places.h"
#include "jobs/request.h"
#include "jobs/run_job.h"
#include "sys/clock.h"
#include "sys/json_read.h"

namespace companion::hooks {

namespace {

// The compiled-in template, or the one under CODEX_COMPANION_PLUGIN_ROOT when that is set.
Result<std::string> read_prompt_template(const sys::Config& config, const std::string& workspace,
                                         sys::Env& env) {
  if (Status placed = codex::check_plugin_root(config, workspace, env); !placed.ok()) {
    return placed.error();
  }
  return assets::plugin_file(env, config.plugin_root, kStopGatePromptFile);
}

jobs::JobRequest review_request(const StopHookRequest& r, std::string prompt) {
  jobs::JobRequest request;
  request.kind = store::JobKind::kTask;
  request.cwd = r.store->workspace().root;
  request.prompt = std::move(prompt);
  request.write = false;
  request.ephemeral = true;
  request.title = kStopGateTitle;
  return request;
}

// Runs the review as a tracked job; the decision follows from how it ended.
StopDecision review(const StopHookRequest& r, const codex::CodexCommand& codex,
                    const std::string& prompt_template) {
  jobs::JobRequest request =
      review_request(r, stop_gate_prompt(prompt_template, r.input.last_assistant_message));
  store::NewJob spec{request.kind, request.title, kStopGateSummary,
                     r.session_id, request.write, jobs::to_json(request)};
  spec.origin = store::JobOrigin::kStopGate;
  auto started = r.store->create_stop_gate_review(spec);
  StopDecision d;
  if (!started) {
    d.notes.push_back("the stop-time review could not start: " + started.error().message +
                      "; the stop is allowed.");
    return d;
  }
  if (const auto* running = std::get_if<store::Job>(&*started)) {
    d.notes.push_back(already_reviewing_note(running->id));
    return d;
  }
  auto* created = &std::get<store::CreatedJob>(*started);
  jobs::RunOptions options{
      .echo_progress = false, .limits = jobs::limits_from(r.config), .codex = codex};
  options.limits.deadline_ms = std::min(options.limits.deadline_ms, kStopGateBudgetMs);
  options.limits.stall_ms = std::min(options.limits.stall_ms, options.limits.deadline_ms);
  auto run = jobs::run_job(*r.store, created->job, request, options);
  if (!run) {
    d.notes.push_back("the stop-time review failed: " + run.error().message +
                      "; the stop is allowed.");
    return d;
  }
  return decide_after_review(run->job, sys::json_text(run->job.result, "rawOutput"));
}

}  // namespace

StopDecision run_stop_hook(const StopHookRequest& r) {
  StopDecision d;
  if (r.store == nullptr) return d;  // no job ever ran here, and the gate is off by default
  store::JobFilter filter;
  if (!r.session_id.empty()) filter.session_id = r.session_id;
  if (auto active = r.store->active(filter)) d.notes = running_job_notes(*active);
  auto gate = r.store->review_gate();
  if (!gate) {
    d.notes.push_back("cannot tell whether the review gate is on: " + gate.error().message);
    return d;
  }
  if (!*gate) return d;
  if (r.input.stop_hook_active) {
    d.notes.push_back(skipped_after_block_note());
    return d;
  }
  // A used-up usage window would only fail the review: allow at once, saying why.
  if (auto state = r.store->queue_state(); state && state->rate_limited(r.store->env().now_ms())) {
    d.notes.push_back("a Codex usage limit is reached until " +
                      sys::iso_time(state->rate_limited_until) +
                      "; the stop-time review is skipped and the stop is allowed.");
    return d;
  }
  auto codex = codex::resolve_placed_codex(r.config, r.store->workspace().root, r.store->env());
  if (!codex) {
    d.notes.push_back(codex_unavailable_note(codex.error().message));
    return d;
  }
  auto prompt_template = read_prompt_template(r.config, r.store->workspace().root, r.store->env());
  if (!prompt_template) {
    d.notes.push_back("the stop-time review cannot run: " + prompt_template.error().message +
                      "; the stop is allowed.");
    return d;
  }
  StopDecision reviewed = review(r, *codex, *prompt_template);
  reviewed.notes.insert(reviewed.notes.begin(), d.notes.begin(), d.notes.end());
  return reviewed;
}

}  // namespace companion::hooks
