// The words codex/ and jobs/ (and the store) share about a turn and its job, as enums, with the
// one mapping of each to the text the JSON output, the job log and the store's rows carry.
//
// Dependency-free (the standard library only), so every layer can include it. Each to_string()
// is an exhaustive switch (no `default:`; -Wswitch is an error), so an enumerator without a name
// does not compile; parsing derives from to_string() over the enumerators 0..kLast, so a name
// has exactly one spelling. Enumerators are therefore sequential from 0, and the last one is
// named in its kLast constant (turn_types_test checks that nothing follows it).
//
// Parse text only at the edges (a stored row, JSON read from outside): an unknown text is
// nullopt, and the caller says what it does with it; nothing maps an unknown text to a value
// silently. Inside the program the enums travel as they are.
// Thread-safe: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace companion {

// What a job (and its turn) is: SPEC.md's `kind`.
enum class JobKind { kTask, kReview, kAdversarialReview };
inline constexpr JobKind kLastJobKind = JobKind::kAdversarialReview;

// Where a job is in its life cycle: SPEC.md's `status`.
enum class JobStatus { kQueued, kRunning, kCompleted, kFailed, kCancelled };
inline constexpr JobStatus kLastJobStatus = JobStatus::kCancelled;

// What a job is doing: SPEC.md's `phase`. The turn's progress (codex::TurnCapture) sets the
// middle ones; the store sets queued and the three terminal ones.
enum class Phase {
  kQueued,
  kStarting,
  kReviewing,
  kInvestigating,
  kRunning,
  kVerifying,
  kEditing,
  kFinalizing,
  kDone,
  kFailed,
  kCancelled,
};
inline constexpr Phase kLastPhase = Phase::kCancelled;

// Why a job reached its terminal state: SPEC.md's `endReason`.
enum class EndReason {
  kCompleted,
  kTurnFailed,
  kAppServerExited,
  kBrokerLost,
  kStalled,
  kDeadline,
  kCancelled,
  kWorkerDied,
  kNoFinalMessage,  // the turn completed without an answer and changed no file
  kError,           // anything else; errorMessage says what
  kWorkspaceGone,   // the job's working directory was deleted (or moved away) while it ran
  kRateLimited,     // a Codex usage window is used up (codexErrorInfo usageLimitExceeded)
};
inline constexpr EndReason kLastEndReason = EndReason::kRateLimited;

// How Codex says a turn ended (turn/completed's turn.status, codex-cli 0.169.0).
enum class TurnStatus { kCompleted, kFailed, kInterrupted };
inline constexpr TurnStatus kLastTurnStatus = TurnStatus::kInterrupted;

// How one run of a turn ended (codex::TurnOutcome): the reasons a turn can give. A job adds its
// own (worker-died, no-final-message); jobs/outcome.h maps one to the other in one switch. The
// text is the EndReason's of the same name.
enum class TurnEnd {
  kCompleted,
  kTurnFailed,
  kAppServerExited,
  kBrokerLost,
  kStalled,
  kDeadline,
  kCancelled,
  kWorkspaceGone,
  kError,
  kRateLimited,
};
inline constexpr TurnEnd kLastTurnEnd = TurnEnd::kRateLimited;

// The text of each value: "adversarial-review", "running", "verifying", "app-server-exited",
// "interrupted", ... Empty for a value that is not an enumerator (a cast from a bad number).
constexpr std::string_view to_string(JobKind kind) {
  switch (kind) {
    case JobKind::kTask:
      return "task";
    case JobKind::kReview:
      return "review";
    case JobKind::kAdversarialReview:
      return "adversarial-review";
  }
  return {};
}

constexpr std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return {};
}

constexpr std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kQueued:
      return "queued";
    case Phase::kStarting:
      return "starting";
    case Phase::kReviewing:
      return "reviewing";
    case Phase::kInvestigating:
      return "investigating";
    case Phase::kRunning:
      return "running";
    case Phase::kVerifying:
      return "verifying";
    case Phase::kEditing:
      return "editing";
    case Phase::kFinalizing:
      return "finalizing";
    case Phase::kDone:
      return "done";
    case Phase::kFailed:
      return "failed";
    case Phase::kCancelled:
      return "cancelled";
  }
  return {};
}

constexpr std::string_view to_string(EndReason reason) {
  switch (reason) {
    case EndReason::kCompleted:
      return "completed";
    case EndReason::kTurnFailed:
      return "turn-failed";
    case EndReason::kAppServerExited:
      return "app-server-exited";
    case EndReason::kBrokerLost:
      return "broker-lost";
    case EndReason::kStalled:
      return "stalled";
    case EndReason::kDeadline:
      return "deadline";
    case EndReason::kCancelled:
      return "cancelled";
    case EndReason::kWorkerDied:
      return "worker-died";
    case EndReason::kNoFinalMessage:
      return "no-final-message";
    case EndReason::kError:
      return "error";
    case EndReason::kWorkspaceGone:
      return "workspace-gone";
    case EndReason::kRateLimited:
      return "rate-limited";
  }
  return {};
}

constexpr std::string_view to_string(TurnStatus status) {
  switch (status) {
    case TurnStatus::kCompleted:
      return "completed";
    case TurnStatus::kFailed:
      return "failed";
    case TurnStatus::kInterrupted:
      return "interrupted";
  }
  return {};
}

constexpr std::string_view to_string(TurnEnd end) {
  switch (end) {
    case TurnEnd::kCompleted:
      return "completed";
    case TurnEnd::kTurnFailed:
      return "turn-failed";
    case TurnEnd::kAppServerExited:
      return "app-server-exited";
    case TurnEnd::kBrokerLost:
      return "broker-lost";
    case TurnEnd::kStalled:
      return "stalled";
    case TurnEnd::kDeadline:
      return "deadline";
    case TurnEnd::kCancelled:
      return "cancelled";
    case TurnEnd::kWorkspaceGone:
      return "workspace-gone";
    case TurnEnd::kError:
      return "error";
    case TurnEnd::kRateLimited:
      return "rate-limited";
  }
  return {};
}

// The value whose to_string() is `text`, searched over the enumerators up to `last`; nullopt for
// any other text (the empty text included).
template <class E>
constexpr std::optional<E> parse_enum(std::string_view text, E last) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    auto value = static_cast<E>(i);
    if (!text.empty() && to_string(value) == text) return value;
  }
  return std::nullopt;
}

constexpr std::optional<JobKind> parse_job_kind(std::string_view text) {
  return parse_enum(text, kLastJobKind);
}
constexpr std::optional<JobStatus> parse_job_status(std::string_view text) {
  return parse_enum(text, kLastJobStatus);
}
constexpr std::optional<Phase> parse_phase(std::string_view text) {
  return parse_enum(text, kLastPhase);
}
constexpr std::optional<EndReason> parse_end_reason(std::string_view text) {
  return parse_enum(text, kLastEndReason);
}
constexpr std::optional<TurnStatus> parse_turn_status(std::string_view text) {
  return parse_enum(text, kLastTurnStatus);
}

}  // namespace companion
