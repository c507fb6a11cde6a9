#include "codex/turn_capture.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "codex/reasoning.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::codex {
namespace {

using nlohmann::json;

constexpr size_t kExcerptChars = 120;
constexpr size_t kMaxIdSet = 4 * TurnCapture::kMaxItems;

// The app-server's JSON is read with sys/json_read.h: a missing field or a wrong type reads as
// absent. An exit code must also fit an int.
std::optional<int> int_field(const json& obj, const char* key) {
  auto n = sys::json_int(obj, key);
  if (!n || *n < INT32_MIN || *n > INT32_MAX) return std::nullopt;
  return static_cast<int>(*n);
}

// --- text -------------------------------------------------------------------------------

// At most `max` bytes of `text`, never inside a UTF-8 sequence.
std::string cap(std::string_view text, size_t max = TurnCapture::kMaxTextBytes) {
  return sys::cut_utf8(text, max);
}

// One line of at most kExcerptChars: whitespace runs collapse, the rest is cut with "...".
std::string excerpt(std::string_view text) {
  std::string out = sys::excerpt(text, kExcerptChars + 8);  // "…" when cut: cut again below
  if (out.size() <= kExcerptChars) return out;
  return cap(out, kExcerptChars) + "...";
}

}  // namespace

TurnCapture::TurnCapture(std::string root_thread_id) : root_thread_id_(std::move(root_thread_id)) {}

void TurnCapture::set_root_thread(std::string thread_id) {
  if (root_thread_id_.empty()) root_thread_id_ = std::move(thread_id);
}

std::vector<ProgressEvent> TurnCapture::set_turn_id(std::string turn_id) {
  Events out;
  if (!turn_id_.empty() || turn_id.empty()) return out;
  turn_id_ = std::move(turn_id);
  tokens_.add_turn(turn_id_);
  std::vector<Buffered> buffered = std::move(buffered_);
  buffered_.clear();
  for (const Buffered& b : buffered) handle(b.method, b.params, out);
  return out;
}

void TurnCapture::track_thread(const std::string& thread_id) {
  Events ignored;
  if (thread_id != root_thread_id_) adopt(thread_id, false, ignored);
}

std::vector<ProgressEvent> TurnCapture::on_notification(const std::string& method,
                                                        const json& params) {
  Events out;
  if (turn_id_.empty()) {
    bool has_thread = !sys::json_text(params, "threadId").empty() || method == "thread/started";
    if (has_thread && buffered_.size() < kMaxBuffered) buffered_.push_back({method, params});
    return out;
  }
  handle(method, params, out);
  return out;
}

std::optional<TokenUsage> TurnCapture::take_token_usage() {
  if (!std::exchange(tokens_changed_, false)) return std::nullopt;
  return tokens_.usage();
}

void TurnCapture::tally_tokens(const std::string& method, const json& params) {
  if (method == "thread/tokenUsage/updated" && !root_thread_id_.empty() &&
      sys::json_text(params, "threadId") == root_thread_id_ && tokens_.on_update(params)) {
    tokens_changed_ = true;
  }
}

std::optional<int64_t> TurnCapture::grace_ms() const {
  if (finished()) return std::nullopt;
  if (error_pending_) return kErrorGraceMs;
  if (final_seen_ && pending_.empty() && spawning_.empty()) return kInferredGraceMs;
  return std::nullopt;
}

std::vector<ProgressEvent> TurnCapture::on_grace_expired() {
  Events out;
  if (!grace_ms()) return out;
  inferred_ = true;
  if (error_pending_) {
    emit(out, "Turn failed: " + excerpt(error_message_), Phase::kFailed);
    status_ = TurnStatus::kFailed;
  } else {
    emit(out, "Turn completed (inferred from the final answer).", Phase::kDone);
    status_ = TurnStatus::kCompleted;
  }
  return out;
}

TurnResult TurnCapture::result() const {
  TurnResult r;
  r.status = status_;
  r.thread_id = root_thread_id_;
  r.turn_id = turn_id_;
  r.final_message = !final_message_.empty() ? final_message_ : last_root_message_;
  r.review_text = review_text_;
  r.error_message = error_message_;
  r.error_info = error_info_;
  r.reasoning_summary = reasoning_;
  r.touched_files = touched_files_;
  r.commands = commands_;
  r.inferred = inferred_;
  r.protocol_error = protocol_error_;
  return r;
}

// --- routing ------------------------------------------------------------------------------

bool TurnCapture::accepts(const std::string& method, const std::string& thread, const json& params,
                          Events& out) {
  const json& turn = sys::json_object(params, "turn");
  if (thread == root_thread_id_) {
    if (method == "turn/started" || method == "turn/completed") {
      return sys::json_text(turn, "id") == turn_id_ ||
             sys::json_text(turn, "rootTurnId") == turn_id_;
    }
    std::string turn_id = sys::json_text(params, "turnId");
    return turn_id.empty() || turn_id == turn_id_;
  }
  if (threads_.count(thread)) return true;
  // A subagent turn started on behalf of ours names our turn as its root.
  if (method == "turn/started" && !turn_id_.empty() &&
      sys::json_text(turn, "rootTurnId") == turn_id_) {
    adopt(thread, true, out);
    return threads_.count(thread) > 0;
  }
  return false;
}

void TurnCapture::handle(const std::string& method, const json& params, Events& out) {
  tally_tokens(method, params);  // the usage Codex reports after turn/completed counts too
  if (finished()) return;
  if (method == "thread/started") {
    const json& thread = sys::json_object(params, "thread");
    std::string parent = sys::json_text(thread, "parentThreadId");
    std::string id = sys::json_text(thread, "id");
    // The name a subagent thread is shown by, as the reference plugin picks it.
    for (const char* key : {"name", "agentNickname", "agentRole"}) {
      if (remember_label(id, sys::json_text(thread, key))) break;
    }
    if (!parent.empty() && is_tracked(parent) && !id.empty() && id != root_thread_id_) {
      adopt(id, true, out);
    }
    return;
  }
  if (method == "thread/name/updated") {
    remember_label(sys::json_text(params, "threadId"), sys::json_text(params, "threadName"));
    return;
  }
  std::string thread = sys::json_text(params, "threadId");
  if (thread.empty() || !accepts(method, thread, params, out) || finished()) return;
  if (method == "turn/started") {
    std::string inner = sys::json_text(sys::json_object(params, "turn"), "id");
    if (thread == root_thread_id_ && !inner.empty()) {
      if (!sys::is_codex_id(inner)) return reject_id("turn id", out);
      active_turn_id_ = inner;
      tokens_.add_turn(inner);
    }
    on_turn_started(thread, out);
  } else if (method == "turn/completed") {
    on_turn_completed(thread, params, out);
  } else if (method == "item/started" || method == "item/completed") {
    on_item(thread, method == "item/completed", sys::json_object(params, "item"), out);
  } else if (method == "error") {
    on_error(thread, params, out);
  }
}

void TurnCapture::adopt(const std::string& thread, bool pending, Events& out) {
  if (thread.empty() || thread == root_thread_id_ || finished()) return;
  if (!sys::is_codex_id(thread)) return reject_id("subagent thread id", out);
  if (!threads_.count(thread)) {
    if (threads_.size() >= kMaxItems) return;
    threads_.insert(thread);
    emit(out, "Subagent thread started (" + label_of(thread) + ").");
  }
  if (pending) pending_.insert(thread);
}

void TurnCapture::reject_id(const std::string& what, Events& out) {
  protocol_error_ = true;
  error_message_ = "protocol error: Codex sent a " + what +
                   " that is not a plain id (letters, digits, '-', '_', '.', ':'; at most " +
                   std::to_string(sys::kMaxCodexIdBytes) + " characters); it is not used or shown";
  finish(TurnStatus::kFailed, out);
}

bool TurnCapture::remember_label(const std::string& thread, const std::string& label) {
  std::string name = excerpt(label);
  if (thread.empty() || thread == root_thread_id_ || name.empty()) return false;
  if (labels_.size() < kMaxItems || labels_.count(thread)) labels_[thread] = cap(name, 80);
  return true;
}

std::string TurnCapture::label_of(const std::string& thread) const {
  auto it = labels_.find(thread);
  return it == labels_.end() ? thread : it->second;
}

void TurnCapture::on_turn_started(const std::string& thread, Events& out) {
  if (thread != root_thread_id_) {
    pending_.insert(thread);
    return;
  }
  if (turn_started_) return;
  turn_started_ = true;
  // review/start reports enteredReviewMode before turn/started: keep the later phase.
  emit(out, "Turn started (" + turn_id_ + ").",
       phase_ ? std::nullopt : std::optional(Phase::kStarting));
}

void TurnCapture::on_turn_completed(const std::string& thread, const json& params, Events& out) {
  const json& turn = sys::json_object(params, "turn");
  std::string status = sys::json_text(turn, "status");
  std::string error = sys::json_text(sys::json_object(turn, "error"), "message");
  if (thread != root_thread_id_) {
    pending_.erase(thread);
    emit(out, "Subagent turn " + (status.empty() ? std::string("ended") : status) + " (" +
                  label_of(thread) + ").");
    return;
  }
  if (sys::json_text(turn, "id") != turn_id_)
    return;  // an inner turn (review) of ours, not the end
  if (!error.empty()) error_message_ = cap(error);
  if (auto info = sys::json_string(sys::json_object(turn, "error"), "codexErrorInfo")) {
    error_info_ = cap(*info);
  }
  // Any other status (none, inProgress, a newer one) ends the turn as failed, saying which.
  std::optional<TurnStatus> ended = parse_turn_status(status);
  if (!ended && error_message_.empty()) {
    error_message_ = "turn ended with status '" + status + "'";
  }
  finish(ended.value_or(TurnStatus::kFailed), out);
}

void TurnCapture::finish(TurnStatus status, Events& out) {
  status_ = status;
  switch (status) {
    case TurnStatus::kCompleted:
      emit(out, "Turn completed.", Phase::kDone);
      return;
    case TurnStatus::kInterrupted:
      emit(out, "Turn interrupted.", Phase::kCancelled);
      return;
    case TurnStatus::kFailed:
      emit(
          out,
          "Turn failed: " + (error_message_.empty() ? "no error message" : excerpt(error_message_)),
          Phase::kFailed);
      return;
  }
}

void TurnCapture::emit(Events& out, std::string line, std::optional<Phase> phase) {
  ProgressEvent e{std::move(line), std::nullopt};
  if (phase && phase != phase_) {
    phase_ = phase;
    e.phase = phase;
  }
  out.push_back(std::move(e));
}

// --- items -------------------------------------------------------------------------------

void TurnCapture::on_item(const std::string& thread, bool completed, const json& item,
                          Events& out) {
  std::string type = sys::json_text(item, "type");
  bool root = thread == root_thread_id_;
  // Work on the root thread after a final answer means the answer was not the last word.
  if (root && !completed && type != "agentMessage" && type != "reasoning" && !type.empty() &&
      type != "exitedReviewMode") {
    final_seen_ = false;
  }
  if (type == "commandExecution") {
    on_command(item, completed, out);
  } else if (type == "fileChange") {
    on_file_change(item, completed, out);
  } else if (type == "agentMessage") {
    if (completed) on_agent_message(thread, item, out);
  } else if (type == "reasoning") {
    on_reasoning(thread, item, out);
  } else if (type == "collabAgentToolCall") {
    on_collab(item, completed, out);
  } else if (type == "enteredReviewMode" || type == "exitedReviewMode") {
    on_review(thread, type == "enteredReviewMode", item, completed, out);
  } else if (!completed &&
             (type == "webSearch" || type == "mcpToolCall" || type == "dynamicToolCall")) {
    std::string what = type == "webSearch" ? "Searching the web: " + sys::json_text(item, "query")
                       : type == "mcpToolCall" ? "Calling tool " + sys::json_text(item, "server") +
                                                     "/" + sys::json_text(item, "tool")
                                               : "Calling tool " + sys::json_text(item, "tool");
    emit(out, excerpt(what), type == "webSearch" ? Phase::kInvestigating : Phase::kRunning);
  }
}

void TurnCapture::on_command(const json& item, bool completed, Events& out) {
  std::string id = sys::json_text(item, "id");
  std::string command = display_command(sys::json_text(item, "command"));
  Phase phase = is_verification_command(command) ? Phase::kVerifying : Phase::kRunning;
  auto it = id.empty() ? command_index_.end() : command_index_.find(id);
  size_t index = it == command_index_.end() ? commands_.size() : it->second;
  if (index == commands_.size()) {
    if (commands_.size() >= kMaxItems) return;
    commands_.push_back({cap(command, 64 * 1024), std::nullopt, "inProgress"});
    if (!id.empty()) command_index_.emplace(id, index);
  }
  CommandRecord& rec = commands_[index];
  std::string status = sys::json_text(item, "status");
  if (!status.empty()) rec.status = status;
  if (auto code = int_field(item, "exitCode")) rec.exit_code = code;
  if (!completed) {
    emit(out, "Running command: " + excerpt(command), phase);
    return;
  }
  std::string exit = rec.exit_code ? " (exit " + std::to_string(*rec.exit_code) + ")" : "";
  if (rec.status == "declined") {
    emit(out, "Command declined: " + excerpt(command), phase);
  } else if (rec.status == "failed") {
    emit(out, "Command failed: " + excerpt(command) + exit, phase);
  } else {
    emit(out, "Command completed: " + excerpt(command) + exit, phase);
  }
}

void TurnCapture::on_file_change(const json& item, bool completed, Events& out) {
  std::vector<std::string> paths;
  if (const json* changes = sys::json_field(item, "changes"); changes && changes->is_array()) {
    for (const json& c : *changes) {
      std::string path = sys::json_text(c, "path");
      if (!path.empty()) paths.push_back(path);
    }
  }
  if (!completed) {
    emit(out, "Applying " + std::to_string(paths.size()) + " file change(s).", Phase::kEditing);
    return;
  }
  std::string status = sys::json_text(item, "status");
  if (status == "declined" || status == "failed") {
    emit(out, "File change " + status + ": " +
                  excerpt(paths.empty() ? "" : sys::quote_path(paths.front())));
    return;
  }
  for (const std::string& p : paths) {
    if (touched_files_.size() >= kMaxItems) break;
    if (std::find(touched_files_.begin(), touched_files_.end(), p) == touched_files_.end()) {
      touched_files_.push_back(cap(p, 4096));
    }
  }
  emit(out, "Applied " + std::to_string(paths.size()) + " file change(s).", Phase::kEditing);
}

void TurnCapture::on_agent_message(const std::string& thread, const json& item, Events& out) {
  std::string text = sys::json_text(item, "text");
  if (thread != root_thread_id_) {
    if (!text.empty()) emit(out, "Subagent " + label_of(thread) + ": " + excerpt(text));
    return;
  }
  last_root_message_ = cap(text);
  bool final_answer = sys::json_text(item, "phase") == "final_answer";
  if (final_answer) {
    final_message_ = last_root_message_;
    final_seen_ = true;
  }
  emit(out, "Assistant message captured: " + excerpt(text),
       final_answer ? std::optional(Phase::kFinalizing) : std::nullopt);
}

void TurnCapture::on_reasoning(const std::string& thread, const json& item, Events& out) {
  const json* summary = sys::json_field(item, "summary");
  if (!summary) return;
  for (std::string& text : reasoning_sections(*summary, kMaxItems, 64 * 1024)) {
    if (reasoning_seen_.count(text) || reasoning_.size() >= kMaxItems) continue;
    if (reasoning_seen_.size() < kMaxIdSet) reasoning_seen_.insert(text);
    if (thread == root_thread_id_) {
      emit(out, "Reasoning summary captured: " + excerpt(text), Phase::kInvestigating);
    } else {
      emit(out, "Subagent " + label_of(thread) + " reasoning: " + excerpt(text));
    }
    reasoning_.push_back(std::move(text));
  }
}

void TurnCapture::on_collab(const json& item, bool completed, Events& out) {
  std::string id = sys::json_text(item, "id");
  std::string tool = sys::json_text(item, "tool");
  bool starts_work = tool == "spawnAgent" || tool == "sendInput" || tool == "resumeAgent" ||
                     tool == "followupTask" || tool == "sendMessage";
  std::vector<std::string> receivers = sys::json_strings(item, "receiverThreadIds");
  for (const std::string& r : receivers) {
    // Named in the line below (by their id when they have no name yet): checked first.
    if (!sys::is_codex_id(r)) return reject_id("subagent thread id", out);
  }
  if (tool == "spawnAgent") {
    if (!completed && receivers.empty() && spawning_.size() < kMaxIdSet) spawning_.insert(id);
    if (completed) spawning_.erase(id);
  }
  if (!completed && announced_.size() < kMaxIdSet && announced_.insert(id).second) {
    std::string names;
    for (const std::string& r : receivers) names += (names.empty() ? "" : ", ") + label_of(r);
    if (!names.empty()) {
      emit(
          out,
          "Starting subagent " + excerpt(names) + " via collaboration tool: " + excerpt(tool) + ".",
          Phase::kInvestigating);
    } else if (tool == "spawnAgent") {
      emit(out, "Starting a subagent: " + excerpt(sys::json_text(item, "prompt")), Phase::kRunning);
    } else {
      emit(out, "Starting collaboration tool: " + excerpt(tool) + ".", Phase::kInvestigating);
    }
  }
  for (const std::string& r : receivers) adopt(r, starts_work, out);
  const json& states = sys::json_object(item, "agentsStates");
  for (const auto& [thread, state] : states.items()) {
    std::string s = sys::json_text(state, "status");
    if (!threads_.count(thread)) continue;
    if (s == "pendingInit" || s == "running") {
      pending_.insert(thread);
    } else if (!s.empty()) {
      pending_.erase(thread);
    }
  }
}

void TurnCapture::on_review(const std::string& thread, bool entered, const json& item,
                            bool completed, Events& out) {
  std::string review = sys::json_text(item, "review");
  std::string id = sys::json_text(item, "id");
  if (entered) {
    if (announced_.size() < kMaxIdSet && announced_.insert(id).second) {
      emit(out, "Reviewer started: " + excerpt(review), Phase::kReviewing);
    }
    return;
  }
  if (!completed) return;
  review_text_ = cap(review);
  if (thread == root_thread_id_) final_seen_ = true;
  emit(out, "Review output captured.", Phase::kFinalizing);
}

void TurnCapture::on_error(const std::string& thread, const json& params, Events& out) {
  std::string message = sys::json_text(sys::json_object(params, "error"), "message");
  const json* retry = sys::json_field(params, "willRetry");
  bool will_retry = retry && retry->is_boolean() && retry->get<bool>();
  if (will_retry) {
    emit(out, "Codex error (retrying): " + excerpt(message));
    return;
  }
  if (thread != root_thread_id_) {
    emit(out, "Subagent " + label_of(thread) + " error: " + excerpt(message));
    return;
  }
  error_message_ = cap(message.empty() ? std::string("unknown error") : message);
  error_info_ = cap(sys::json_text(sys::json_object(params, "error"), "codexErrorInfo"));
  error_pending_ = true;
  emit(out, "Codex error: " + excerpt(error_message_));
}

}  // namespace companion::codex
