#include "jobs/outcome.h"

#include "render/review.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::jobs {

namespace {

constexpr const char* kNoAnswer =
    "Codex returned no answer: the turn completed without a final message and changed no file.";

// A summary replaces the start one in status tables: one line, bounded.
constexpr size_t kMaxSummaryBytes = 240;

// The first line of `text` with something on it, trimmed; "" when there is none.
std::string first_meaningful_line(std::string_view text) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = sys::trim(text.substr(0, end));
    if (!line.empty()) return sys::excerpt(line, kMaxSummaryBytes);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return "";
}

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

// What the turn ended with, after the no-answer rule: `ok` when it completed with an answer.
struct Ending {
  store::EndReason reason;
  std::string message;
  bool ok() const { return reason == store::EndReason::kCompleted; }
};

Ending ending_of(const JobRequest& request, const codex::TurnOutcome& turn) {
  store::EndReason reason = job_end_reason(turn.end_reason);
  const auto& r = turn.result;
  bool answered = !r.final_message.empty() ||
                  (request.kind == store::JobKind::kReview && !r.review_text.empty());
  if (reason == store::EndReason::kCompleted && !answered && r.touched_files.empty()) {
    return {store::EndReason::kNoFinalMessage, kNoAnswer};
  }
  return {reason, reason == store::EndReason::kCompleted ? std::string() : turn.error_message};
}

nlohmann::json codex_section(const codex::TurnOutcome& turn, const Ending& ending,
                             const std::string& stdout_text) {
  return {{"status", ending.ok() ? 0 : 1},
          {"stdout", stdout_text},
          {"stderr", ending.message},
          {"reasoning", turn.result.reasoning_summary}};
}

JobOutcome task_outcome(const codex::TurnOutcome& turn, const Ending& ending) {
  const auto& r = turn.result;
  bool ok = ending.ok();
  JobOutcome out;
  out.payload = {{"status", ok ? 0 : 1},
                 {"threadId", text_or_null(r.thread_id)},
                 {"rawOutput", r.final_message},
                 {"touchedFiles", r.touched_files},
                 {"reasoningSummary", r.reasoning_summary}};
  if (!ok) out.payload["failureMessage"] = ending.message;
  out.rendered = !r.final_message.empty()  ? r.final_message
                 : !ending.message.empty() ? ending.message
                                           : "Codex did not return a final message.";
  if (out.rendered.back() != '\n') out.rendered.push_back('\n');
  return out;
}

JobOutcome review_outcome(const JobRequest& req, const codex::TurnOutcome& turn,
                          const Ending& ending) {
  const auto& r = turn.result;
  std::string text = !r.review_text.empty() ? r.review_text : r.final_message;
  JobOutcome out;
  out.payload = {{"review", "Review"},
                 {"target", req.target},
                 {"threadId", text_or_null(r.thread_id)},
                 {"sourceThreadId", text_or_null(r.thread_id)},
                 {"codex", codex_section(turn, ending, text)}};
  render::ReviewResultView view;
  view.target_label = target_label(req);
  view.review_text = text;
  if (!ending.ok()) view.failure = ending.message;
  view.reasoning_summary = r.reasoning_summary;
  view.thread_id = r.thread_id;
  view.resume_hint = false;  // `result` adds the resume hint from the job's thread
  out.rendered = render::render_review_result(view);
  return out;
}

JobOutcome adversarial_outcome(const JobRequest& req, const codex::TurnOutcome& turn,
                               const Ending& ending) {
  const auto& r = turn.result;
  bool ok = ending.ok();
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
  out.payload = {{"review", "Adversarial Review"},
                 {"target", req.target},
                 {"threadId", text_or_null(r.thread_id)},
                 {"context", req.context},
                 {"codex", codex_section(turn, ending, r.final_message)},
                 {"result", parsed},
                 {"rawOutput", r.final_message},
                 {"parseError", ok ? text_or_null(parse_error) : nlohmann::json(ending.message)},
                 {"reasoningSummary", r.reasoning_summary}};
  render::AdversarialReviewView view;
  view.target_label = target_label(req);
  view.result = parsed;
  view.raw_output = r.final_message;
  view.parse_error = parse_error;
  if (!ok) view.failure = ending.message;
  view.reasoning_summary = r.reasoning_summary;
  view.thread_id = r.thread_id;
  view.resume_hint = false;
  out.rendered = render::render_adversarial_review(view);
  return out;
}

// What the job found, in one line, for its summary once it ends (as the reference plugin
// replaces it): the adversarial review's own summary, else the first line of the answer or review
// text, else of the failure. A cancelled job keeps the summary it started with.
std::string final_summary(const JobRequest& req, const JobOutcome& out, const Ending& ending) {
  if (ending.reason == store::EndReason::kCancelled) return "";
  std::string line;
  if (req.kind == store::JobKind::kAdversarialReview) {
    line =
        first_meaningful_line(sys::json_text(sys::json_object(out.payload, "result"), "summary"));
    if (line.empty()) line = first_meaningful_line(sys::json_text(out.payload, "parseError"));
  }
  if (line.empty()) {
    line = first_meaningful_line(
        req.kind == store::JobKind::kTask
            ? sys::json_text(out.payload, "rawOutput")
            : sys::json_text(sys::json_object(out.payload, "codex"), "stdout"));
  }
  if (line.empty()) line = first_meaningful_line(ending.message);
  return line;
}

}  // namespace

store::EndReason job_end_reason(TurnEnd end) {
  switch (end) {
    case TurnEnd::kCompleted:
      return store::EndReason::kCompleted;
    case TurnEnd::kTurnFailed:
      return store::EndReason::kTurnFailed;
    case TurnEnd::kAppServerExited:
      return store::EndReason::kAppServerExited;
    case TurnEnd::kBrokerLost:
      return store::EndReason::kBrokerLost;
    case TurnEnd::kStalled:
      return store::EndReason::kStalled;
    case TurnEnd::kDeadline:
      return store::EndReason::kDeadline;
    case TurnEnd::kCancelled:
      return store::EndReason::kCancelled;
    case TurnEnd::kWorkspaceGone:
      return store::EndReason::kWorkspaceGone;
    case TurnEnd::kError:
      return store::EndReason::kError;
    case TurnEnd::kRateLimited:
      return store::EndReason::kRateLimited;
  }
  return store::EndReason::kError;  // not an enumerator (a cast from a bad number)
}

JobOutcome build_outcome(const JobRequest& request, const codex::TurnOutcome& turn) {
  Ending ending = ending_of(request, turn);
  JobOutcome out;
  switch (request.kind) {
    case store::JobKind::kTask:
      out = task_outcome(turn, ending);
      break;
    case store::JobKind::kReview:
      out = review_outcome(request, turn, ending);
      break;
    case store::JobKind::kAdversarialReview:
      out = adversarial_outcome(request, turn, ending);
      break;
  }
  if (turn.interrupt_attempted) {
    // Read back by `cancel`, which asked the worker to stop: did Codex stop the turn?
    out.payload["turnInterruptAttempted"] = true;
    out.payload["turnInterrupted"] = turn.interrupted;
  }
  out.terminal = store::make_terminal(ending.reason, ending.message, out.payload, out.rendered);
  out.terminal.summary = final_summary(request, out, ending);
  return out;
}

}  // namespace companion::jobs
