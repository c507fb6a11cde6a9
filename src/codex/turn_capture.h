// TurnCapture: follows one turn of `codex app-server` from its notifications (sans-IO).
//
// The caller feeds every notification it receives after starting a turn (turn/start or
// review/start), one at a time, and learns from the return values what to report (progress lines
// and phases) and from finished()/grace_ms() when the wait can end. The class never reads a
// socket or a clock: timers are the caller's (grace_ms() asks for one, on_grace_expired() reports
// that it fired), so every notification sequence can be unit-tested.
//
// Contract:
// - The capture exists from the moment the connection does: every notification is fed to it.
//   Those that name a thread (or are thread/started) and arrive before set_turn_id() are kept
//   (at most kMaxBuffered; the turn's one buffer for early traffic) and replayed when the turn id
//   becomes known; their progress events are returned by set_turn_id(). The rest arriving then
//   (traffic of no thread) is dropped.
// - The root thread is the one given to set_root_thread() (or the constructor), before
//   set_turn_id(); its notifications count when their
//   turnId is the turn id (or absent). turn/started and turn/completed count when turn.id or
//   turn.rootTurnId is the turn id, but only turn/completed with turn.id ends the turn:
//   review/start (inline, the only delivery codex 0.169.0 accepts) runs an inner turn with another
//   id whose items and turn/completed carry the id review/start returned.
// - Subagent threads are adopted from collabAgentToolCall receiverThreadIds, thread/started with
//   a tracked parentThreadId, a turn/started whose turn.rootTurnId is our turn id (codex 0.169.0
//   sends no thread/started for spawned agents), and track_thread(). Their turns are followed
//   until turn/completed; their messages and errors are reported but never taken as ours.
// - Progress lines name a subagent by the `name`, else `agentNickname`, else `agentRole` of its
//   thread/started (or the threadName of thread/name/updated), else by its thread id, in the
//   reference plugin's forms: "Starting subagent <name> via collaboration tool: <tool>.",
//   "Subagent <name>: <message>", "Subagent <name> reasoning: <summary>".
// - Reasoning summaries are read in every shape codex/reasoning.h reads; the turn's
//   reasoning_summary holds each distinct section once, the subagents' included.
// - Other threads and other turns of the root thread are ignored, and so is traffic without a
//   threadId (configWarning, account/rateLimits/updated, ...).
// - Completion: the root turn's turn/completed ends the turn (completed|failed|interrupted; any
//   other status counts as failed). A completed final answer (agentMessage with phase
//   "final_answer", or exitedReviewMode) on the root thread with no subagent work pending asks for
//   a quiet period of kInferredGraceMs; an `error` with willRetry:false on the root thread asks
//   for kErrorGraceMs, after which on_grace_expired() fails the turn with the error message.
// - result().final_message is the last final answer of the root thread, else its last agent
//   message (models that send no phase).
// - Ids taken from notifications (a subagent's thread id from thread/started, receiverThreadIds or
//   a turn/started naming our turn as its root; the root thread's inner turn id, which
//   turn/interrupt names) must be plain ids (sys::is_codex_id): any other fails the turn as a
//   protocol error (result().protocol_error), the id never shown. Ids of traffic that is not ours
//   are not looked at.
// - Token usage: thread/tokenUsage/updated of the root thread is tallied (codex/token_usage.h)
//   for the turn id and the root thread's inner turn ids (a review's), also after the turn
//   finished; take_token_usage() says when the tally changed.
// - Never throws on malformed input (missing fields, wrong types, unknown item types): such
//   fields are treated as absent. Stored texts and lists are capped (kMaxTextBytes, kMaxItems).
// Not thread-safe; one instance per turn.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/turn_types.h"
#include "codex/command_text.h"
#include "codex/token_usage.h"

namespace companion::codex {

// One progress line for the job log / stderr, and the job phase it implies (nullopt = unchanged).
struct ProgressEvent {
  std::string line;
  std::optional<Phase> phase;
};

struct CommandRecord {
  std::string command;
  std::optional<int> exit_code;
  std::string status;  // as reported: inProgress | completed | failed | declined
};

struct TurnResult {
  std::optional<TurnStatus> status;  // nullopt: not finished
  std::string thread_id, turn_id, final_message, review_text, error_message;
  std::vector<std::string> reasoning_summary, touched_files;
  std::vector<CommandRecord> commands;
  bool inferred = false;  // true when completion was inferred (no turn/completed seen)
  // Codex sent an id that is not a plain id (sys::is_codex_id) where we would adopt or use it:
  // the turn is failed with `error_message` saying so (the caller ends the job `error`).
  bool protocol_error = false;
  // The root turn's error.codexErrorInfo when it is a string (such as "usageLimitExceeded",
  // codex/rate_limits.h), from its `error` (willRetry false) or turn/completed; else "".
  std::string error_info;
};

class TurnCapture {
 public:
  static constexpr int64_t kInferredGraceMs = 250;
  static constexpr int64_t kErrorGraceMs = 1500;
  static constexpr size_t kMaxTextBytes = 1 << 20;
  static constexpr size_t kMaxItems = 1000;
  static constexpr size_t kMaxBuffered = 10000;

  TurnCapture() = default;
  explicit TurnCapture(std::string root_thread_id);

  // The root thread, once the thread is open (thread/start or thread/resume answered). Only the
  // first non-empty call has an effect. REQUIRES: before set_turn_id().
  void set_root_thread(std::string thread_id);

  // Sets the root turn id (from the turn/start or review/start response) and replays the
  // notifications buffered until now. Only the first call has an effect.
  std::vector<ProgressEvent> set_turn_id(std::string turn_id);
  // Also follows `thread_id` as part of this turn (e.g. a detached review thread).
  void track_thread(const std::string& thread_id);

  std::vector<ProgressEvent> on_notification(const std::string& method,
                                             const nlohmann::json& params);

  // True once the turn reached a terminal status; later notifications are ignored.
  bool finished() const { return status_.has_value(); }
  // Non-null while a grace period is requested: the caller (re)starts a timer of this many ms
  // after each call that returned with grace_ms() set, and calls on_grace_expired() when it
  // fires. The grace is a quiet period: more traffic of the turn may withdraw it (nullopt), so
  // callers re-read it after every call. on_grace_expired() does nothing when no grace is due.
  std::optional<int64_t> grace_ms() const;
  std::vector<ProgressEvent> on_grace_expired();

  // The job phase the events so far implied; nullopt before the first.
  std::optional<Phase> phase() const { return phase_; }
  // The turn's token usage when it changed since the last call; nullopt otherwise.
  std::optional<TokenUsage> take_token_usage();
  const std::string& root_thread_id() const { return root_thread_id_; }
  const std::string& turn_id() const { return turn_id_; }
  // The turn turn/interrupt must name: the root thread's latest turn/started of this turn (a
  // review's inner turn; codex 0.169.0 rejects the id review/start returned), else turn_id().
  const std::string& active_turn_id() const {
    return active_turn_id_.empty() ? turn_id_ : active_turn_id_;
  }
  TurnResult result() const;

 private:
  struct Buffered {
    std::string method;
    nlohmann::json params;
  };
  using Events = std::vector<ProgressEvent>;

  bool accepts(const std::string& method, const std::string& thread, const nlohmann::json& params,
               Events& out);
  void handle(const std::string& method, const nlohmann::json& params, Events& out);
  void on_turn_started(const std::string& thread, Events& out);
  void on_turn_completed(const std::string& thread, const nlohmann::json& params, Events& out);
  void on_item(const std::string& thread, bool completed, const nlohmann::json& item, Events& out);
  void on_command(const nlohmann::json& item, bool completed, Events& out);
  void on_file_change(const nlohmann::json& item, bool completed, Events& out);
  void on_agent_message(const std::string& thread, const nlohmann::json& item, Events& out);
  void on_reasoning(const std::string& thread, const nlohmann::json& item, Events& out);
  void on_collab(const nlohmann::json& item, bool completed, Events& out);
  void on_review(const std::string& thread, bool entered, const nlohmann::json& item,
                 bool completed, Events& out);
  void on_error(const std::string& thread, const nlohmann::json& params, Events& out);
  void finish(TurnStatus status, Events& out);
  void emit(Events& out, std::string line, std::optional<Phase> phase = std::nullopt);
  void tally_tokens(const std::string& method, const nlohmann::json& params);
  void adopt(const std::string& thread, bool pending, Events& out);
  // Fails the turn: Codex sent a `what` that is not a plain id.
  void reject_id(const std::string& what, Events& out);
  // Remembers the display name of a subagent thread (false when `label` is empty).
  bool remember_label(const std::string& thread, const std::string& label);
  // The subagent's name from thread/started or thread/name/updated, else its thread id.
  std::string label_of(const std::string& thread) const;
  bool is_tracked(const std::string& thread) const {
    return thread == root_thread_id_ || threads_.count(thread) > 0;
  }

  std::string root_thread_id_;
  std::string turn_id_;
  std::string active_turn_id_;  // turn.id of the root thread's turn/started, when seen
  std::vector<Buffered> buffered_;
  std::set<std::string> threads_;    // subagent threads (not the root), at most kMaxItems
  std::set<std::string> pending_;    // subagent threads with work not finished yet
  std::set<std::string> spawning_;   // spawnAgent calls whose receiver is not known yet
  std::set<std::string> announced_;  // item ids already reported as started
  std::set<std::string> reasoning_seen_;
  std::map<std::string, std::string> labels_;  // subagent thread -> display name
  std::optional<Phase> phase_;
  std::optional<TurnStatus> status_;
  TokenUsageTally tokens_;
  bool tokens_changed_ = false;
  std::string last_root_message_, final_message_, review_text_, error_message_, error_info_;
  std::vector<std::string> reasoning_, touched_files_;
  std::vector<CommandRecord> commands_;
  std::map<std::string, size_t> command_index_;  // item id -> index in commands_
  bool turn_started_ = false;
  bool final_seen_ = false;
  bool error_pending_ = false;
  bool inferred_ = false;
  bool protocol_error_ = false;
};

}  // namespace companion::codex
