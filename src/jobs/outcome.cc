#include "jobs/outcome.h"

#include "render/review.h"

namespace companion::jobs {

namespace {

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json codex_section(const codex::TurnOutcome& turn, const std::string& stdout_text) {
  bool ok = turn.end_reason == "completed";
  return {{"status", ok ? 0 : 1},
          {"stdout", stdout_text},
          {"stderr", ok ? "" : turn.error_message},
          {"reasoning", turn.result.reasoning_summary}};
}

JobOutcome task_outcome(const codex::TurnOutcome& turn) {
  const auto& r = turn.result;
  bool ok = turn.end_reason == "completed";
  JobOutcome out;
  out.payload = {{"status", ok ? 0 : 1},
                 {"threadId", text_or_null(r.thread_id)},
                 {"rawOutput", r.final_message},
                 {"touchedFiles", r.touched_files},
                 {"reasoningSummary", r.reasoning_summary}};
  if (!ok) out.payload["failureMessage"] = turn.error_message;
  out.rendered = !r.final_message.empty()      ? r.final_message
                 : !turn.error_message.empty() ? turn.error_message
                                               : "Codex did not return a final message.";
  if (out.rendered.back() != '\n') out.rendered.push_back('\n');
  return out;
}

JobOutcome review_outcome(const JobRequest& req, const codex::TurnOutcome& turn) {
  const auto& r = turn.result;
  std::string text = !r.review_text.empty() ? r.review_text : r.final_message;
  JobOutcome out;
  out.payload = {{"review", "Review"},
                 {"target", req.target},
                 {"threadId", text_or_null(r.thread_id)},
                 {"sourceThreadId", text_or_null(r.thread_id)},
                 {"codex", codex_section(turn, text)}};
  render::ReviewResultView view;
  view.target_label = target_label(req);
  view.review_text = text;
  if (turn.end_reason != "completed") view.failure = turn.error_message;
  view.reasoning_summary = r.reasoning_summary;
  view.thread_id = r.thread_id;
  view.resume_hint = false;  // `result` adds the resume hint from the job's thread
  out.rendered = render::render_review_result(view);
  return out;
}

JobOutcome adversarial_outcome(const JobRequest& req, const codex::TurnOutcome& turn) {
  const auto& r = turn.result;
  bool ok = turn.end_reason == "completed";
  nlohmann::json parsed;
  std::string parse_error;
  if (ok) {
    auto p = render::parse_adversarial_output(r.final_message);
    if (p) {
      parsed = *p;
    } else {
      parse_error = p.error().message;
    }
  }
  JobOutcome out;
  out.payload = {
      {"review", "Adversarial Review"},
      {"target", req.target},
      {"threadId", text_or_null(r.thread_id)},
      {"context", req.context},
      {"codex", codex_section(turn, r.final_message)},
      {"result", parsed},
      {"rawOutput", r.final_message},
      {"parseError", ok ? text_or_null(parse_error) : nlohmann::json(turn.error_message)},
      {"reasoningSummary", r.reasoning_summary}};
  render::AdversarialReviewView view;
  view.target_label = target_label(req);
  view.result = parsed;
  view.raw_output = r.final_message;
  view.parse_error = parse_error;
  if (!ok) view.failure = turn.error_message;
  view.reasoning_summary = r.reasoning_summary;
  view.thread_id = r.thread_id;
  view.resume_hint = false;
  out.rendered = render::render_adversarial_review(view);
  return out;
}

}  // namespace

store::JobStatus status_for(const std::string& end_reason) {
  if (end_reason == "completed") return store::JobStatus::kCompleted;
  if (end_reason == "cancelled") return store::JobStatus::kCancelled;
  return store::JobStatus::kFailed;
}

JobOutcome build_outcome(const JobRequest& request, const codex::TurnOutcome& turn) {
  JobOutcome out = request.kind == "task"     ? task_outcome(turn)
                   : request.kind == "review" ? review_outcome(request, turn)
                                              : adversarial_outcome(request, turn);
  if (turn.interrupt_attempted) {
    // Read back by `cancel`, which asked the worker to stop: did Codex stop the turn?
    out.payload["turnInterruptAttempted"] = true;
    out.payload["turnInterrupted"] = turn.interrupted;
  }
  out.terminal.status = status_for(turn.end_reason);
  out.terminal.end_reason = turn.end_reason.empty() ? "error" : turn.end_reason;
  out.terminal.error_message =
      out.terminal.status == store::JobStatus::kCompleted ? std::string() : turn.error_message;
  out.terminal.result = out.payload;
  out.terminal.rendered = out.rendered;
  return out;
}

}  // namespace companion::jobs
