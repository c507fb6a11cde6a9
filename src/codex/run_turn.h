// Running one Codex turn (task, review or adversarial review) to its end, synchronously.
// Asio-free: this is what the jobs layer includes (the coroutine form, for tests running a broker
// in the same event loop, is codex/run_turn_async.h).
//
// run_turn() reaches an app-server through its Connector (a broker's socket, else a child of its
// own started in spec.cwd), initializes it, starts or resumes a thread, starts the turn and
// follows it with a TurnCapture. The wait is a race (it always ends):
//   the root turn/completed (or TurnCapture's inferred completion / error grace)
//   || the connection closing or the app-server exiting   -> app-server-exited
//   || the broker shutting down or vanishing mid-turn     -> broker-lost (app-server-exited when
//                                                            the broker says its app-server exited)
//   || no traffic from the app-server for stall_ms        -> stalled
//   || deadline_ms since the start                        -> deadline
//   || the stop source becoming readable                  -> cancelled
//   || spec.cwd deleted or replaced (checked every
//      workspace_check_ms)                                -> workspace-gone
// A broker that fails before the turn was requested (unreachable, closed, shutting down, refusing)
// is left for a direct app-server when connector.direct_fallback is set: the job never fails
// because of the broker before its turn started, and a turn is never restarted elsewhere once it
// was requested. After stalled, deadline or cancelled it asks Codex to interrupt the turn (bounded
// by interrupt_ms). What Codex resolved for the turn (model, effort, sandbox, approval policy,
// version, runtime: codex/provenance.h) is reported to the observer as it becomes known; unless
// the turn names its effort, Codex's model catalog (model/list, for a model's default effort) is
// read while the thread opens (bounded by kModelListTimeoutMs; no answer leaves the effort
// unknown). In every case the app-server it started is stopped and reaped (a broker connection
// is closed) before it returns. Requests from the app-server (approvals, user input) are declined
// at once (codex/server_requests.h).
//
// Signals are the caller's: run_turn() never changes a signal disposition. A caller that wants
// SIGINT/SIGTERM to cancel the turn passes a descriptor its handler makes readable (a self-pipe
// such as sys::stop_fd()); run_turn() only watches it, never reads or closes it.
//
// REQUIRES: called from a thread that outlives the call's child process (the main thread): the
// child gets a parent-death signal tied to the spawning thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/turn_types.h"
#include "codex/codex_binary.h"
#include "codex/connector.h"
#include "codex/token_usage.h"
#include "codex/turn_capture.h"

namespace companion::codex {

struct TurnSpec {
  JobKind kind = JobKind::kTask;  // the job's kind (base/turn_types.h)
  CodexCommand codex;             // the Codex CLI to start `app-server` with (resolve_codex)
  std::string cwd;
  std::string prompt;  // task and adversarial review
  std::optional<std::string> model, effort;
  bool write = false;            // sandbox workspace-write, else read-only
  std::string resume_thread_id;  // continue this thread instead of starting one
  std::string thread_name;       // set on the thread when not empty
  // A new thread kept out of Codex's history (thread/start ephemeral); nullopt: tasks are kept,
  // reviews are not.
  std::optional<bool> ephemeral;
  nlohmann::json output_schema;  // null = none
  nlohmann::json
      review_target;  // JobKind::kReview: {type:"uncommittedChanges"} | {type:"baseBranch",...}
};

// The longest the start of a turn waits for model/list's answer (a model's default effort).
inline constexpr int64_t kModelListTimeoutMs = 2000;

struct TurnLimits {
  int64_t stall_ms = 600000;
  int64_t deadline_ms = 1800000;
  int64_t interrupt_ms = 2000;       // bound on the turn/interrupt request
  int64_t stop_step_ms = 1500;       // each step of stopping the app-server
  int64_t broker_connect_ms = 2000;  // bound on the broker's answer to initialize
  // How often the working directory is checked (a deleted or moved workspace ends the turn).
  int64_t workspace_check_ms = 1000;
};

class TurnObserver {
 public:
  virtual ~TurnObserver() = default;
  // Progress lines (from TurnCapture, plus a few of our own); called on the calling thread.
  virtual void on_progress(const ProgressEvent& event) = 0;
  // The thread id once known (turn_id empty), then both once the turn started.
  virtual void on_ids(const std::string& thread_id, const std::string& turn_id) = 0;
  // A direct app-server child was started (it leads its own session).
  virtual void on_app_server_started(int /*pid*/) {}
  // About to ask Codex to interrupt the turn; then whether Codex confirmed the interrupt.
  virtual void on_interrupt_requested() {}
  virtual void on_interrupted() {}
  // The job's token usage changed (thread/tokenUsage/updated of the job's thread).
  virtual void on_token_usage(const TokenUsage& /*usage*/) {}
  // What Codex resolved for the turn changed (codex/provenance.h's JSON form).
  virtual void on_resolved(const nlohmann::json& /*resolved*/) {}
  // The account's usage windows changed (codex/rate_limits.h: the merged RateLimitSnapshot).
  virtual void on_rate_limits(const nlohmann::json& /*snapshot*/) {}
};

struct TurnOutcome {
  TurnEnd end_reason = TurnEnd::kError;
  std::string error_message;  // empty when completed
  TurnResult result;          // what was captured (also on failure: partial output)
  bool interrupt_attempted = false, interrupted = false;
  int app_server_pid = -1;  // the child that ran the turn (gone when run_turn returns); -1 shared
  std::string runtime;      // "shared" (through a broker) or "direct"; empty when none was reached
  nlohmann::json resolved;  // what Codex resolved (codex/provenance.h); null when nothing
  // The last usage-limit snapshot Codex reported during the run (codex/rate_limits.h); null
  // when none.
  nlohmann::json rate_limits;
};

// `stop_fd`: readable once the caller wants the turn cancelled; -1 for none. Not owned.
TurnOutcome run_turn(const TurnSpec& spec, const TurnLimits& limits, const Connector& connector,
                     TurnObserver& observer, int stop_fd = -1);

}  // namespace companion::codex
