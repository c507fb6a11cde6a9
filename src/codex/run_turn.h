// Running one Codex turn (task, review or adversarial review) to its end, synchronously.
// Asio-free: this is what the jobs layer includes.
//
// run_turn() starts `codex app-server` in spec.cwd, initializes it, starts or resumes a thread,
// starts the turn and follows it with a TurnCapture. The wait is a race (it always ends):
//   the root turn/completed (or TurnCapture's inferred completion / error grace)
//   || the connection closing or the app-server exiting   -> app-server-exited
//   || no traffic from the app-server for stall_ms        -> stalled
//   || deadline_ms since the start                        -> deadline
//   || SIGINT / SIGTERM (when handle_signals)             -> cancelled
// After stalled, deadline or cancelled it asks Codex to interrupt the turn (bounded by
// interrupt_ms). In every case the app-server is stopped and reaped before it returns.
// Requests from the app-server (approvals, user input) are declined at once.
//
// REQUIRES: called from a thread that outlives the call's child process (the main thread): the
// child gets a parent-death signal tied to the spawning thread. With handle_signals, SIGINT and
// SIGTERM are handled during the call and reset to their default action afterwards.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "codex/codex_binary.h"
#include "codex/turn_capture.h"

namespace companion::codex {

struct TurnSpec {
  enum class Kind { kTask, kReview, kAdversarialReview };
  Kind kind = Kind::kTask;
  CodexCommand codex;  // the Codex CLI to start `app-server` with (resolve_codex)
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
  nlohmann::json review_target;  // kReview: {type:"uncommittedChanges"} | {type:"baseBranch",...}
};

struct TurnLimits {
  int64_t stall_ms = 600000;
  int64_t deadline_ms = 1800000;
  bool handle_signals = true;
  int64_t interrupt_ms = 2000;  // bound on the turn/interrupt request
  int64_t stop_step_ms = 1500;  // each step of stopping the app-server
};

class TurnObserver {
 public:
  virtual ~TurnObserver() = default;
  // Progress lines (from TurnCapture, plus a few of our own); called on the calling thread.
  virtual void on_progress(const ProgressEvent& event) = 0;
  // The thread id once known (turn_id empty), then both once the turn started.
  virtual void on_ids(const std::string& thread_id, const std::string& turn_id) = 0;
  // The app-server child was started (it leads its own session).
  virtual void on_app_server_started(int /*pid*/) {}
  // About to ask Codex to interrupt the turn; then whether Codex confirmed the interrupt.
  virtual void on_interrupt_requested() {}
  virtual void on_interrupted() {}
};

struct TurnOutcome {
  // completed | turn-failed | app-server-exited | stalled | deadline | cancelled | error
  std::string end_reason;
  std::string error_message;  // empty when completed
  TurnResult result;          // what was captured (also on failure: partial output)
  bool interrupt_attempted = false, interrupted = false;
  int app_server_pid = -1;  // the child that ran the turn (gone when run_turn returns)
};

TurnOutcome run_turn(const TurnSpec& spec, const TurnLimits& limits, TurnObserver& observer);

}  // namespace companion::codex
