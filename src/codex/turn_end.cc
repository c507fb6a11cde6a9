#include "codex/turn_end.h"

#include <fmt/format.h>

#include <utility>

#include "codex/broker_protocol.h"
#include "codex/rate_limits.h"
#include "rpc/transport.h"

namespace companion::codex {

std::string seconds(int64_t ms) {
  return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0);
}

End capture_end(const TurnResult& result) {
  switch (result.status.value_or(TurnStatus::kFailed)) {
    case TurnStatus::kCompleted:
      return End{TurnEnd::kCompleted, ""};
    case TurnStatus::kInterrupted:
      return End{TurnEnd::kCancelled, "The turn was interrupted."};
    case TurnStatus::kFailed:
      break;
  }
  // An id we could not use: the turn goes on in Codex unless it is interrupted.
  if (result.protocol_error) return End{TurnEnd::kError, result.error_message, true};
  std::string message =
      result.error_message.empty() ? "Codex reported the turn as failed." : result.error_message;
  // A used-up usage window is not a fault of the job: it can run again once the window resets.
  if (result.error_info == kUsageLimitExceeded)
    return End{TurnEnd::kRateLimited, std::move(message)};
  return End{TurnEnd::kTurnFailed, std::move(message)};
}

End closed_end(const rpc::CloseInfo& info, bool via_broker, std::string_view when) {
  if (via_broker) return End{TurnEnd::kBrokerLost, info.describe(when), false, true};
  return End{info.protocol_error ? TurnEnd::kError : TurnEnd::kAppServerExited,
             info.describe(when)};
}

End broker_end(std::string_view cause, std::string_view reason, std::string_view when) {
  std::string message = fmt::format("the shared Codex broker shut down {}: {}", when, reason);
  TurnEnd end = cause == kCauseAppServerExited ? TurnEnd::kAppServerExited : TurnEnd::kBrokerLost;
  return End{end, std::move(message), false, true};
}

End stalled_end(int64_t stall_ms) {
  return End{TurnEnd::kStalled, "No activity from Codex for " + seconds(stall_ms), true};
}

End deadline_end(int64_t deadline_ms) {
  return End{TurnEnd::kDeadline, "Job deadline of " + seconds(deadline_ms) + " reached", true};
}

End cancelled_by_user() {
  return End{TurnEnd::kCancelled, "Cancelled by user.", true};
}

End workspace_gone(std::string_view cwd) {
  return End{TurnEnd::kWorkspaceGone,
             fmt::format("The workspace {} was deleted or moved while the job ran.", cwd), true};
}

End blame_a_vanished_workspace(End end, bool vanished, std::string_view cwd) {
  if (end.reason == TurnEnd::kCompleted || end.reason == TurnEnd::kCancelled || !vanished) {
    return end;
  }
  End gone = workspace_gone(cwd);
  gone.interrupt = end.interrupt;
  return gone;
}

}  // namespace companion::codex
