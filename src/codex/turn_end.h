// How one attempt at a turn ended: the End each branch of the turn's race (turn_run.cc) returns,
// and the rules that name it. Pure (no I/O, no clock): turn_end_test.cc covers each rule.
//
// Each End carries the turn's end reason (base/turn_types.h), the errorMessage the job keeps,
// whether Codex is to be asked to interrupt the turn (the turn may still run there), and whether
// the broker rather than Codex failed (a direct app-server may still be tried when the turn was
// not requested yet).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/turn_types.h"
#include "codex/turn_capture.h"

namespace companion::rpc {
struct CloseInfo;
}

namespace companion::codex {

struct End {
  TurnEnd reason = TurnEnd::kError;
  std::string message;
  bool interrupt = false;       // ask Codex to interrupt the turn
  bool broker_failure = false;  // the broker (not Codex) failed: a direct app-server may retry
};

// "600 s", "0.3 s".
std::string seconds(int64_t ms);

// The end of a turn the capture saw finish: completed, cancelled (Codex interrupted it), error
// (Codex sent an id we cannot use; the turn is interrupted) or turn-failed with Codex's message.
// REQUIRES: result.status is set.
End capture_end(const TurnResult& result);
// The connection to the app-server (or the broker, `via_broker`) closed; `when` is "during the
// turn" or "before the turn started". A broker's close is a broker failure; a direct
// app-server's is app-server-exited, or error when we closed it for a protocol violation.
End closed_end(const rpc::CloseInfo& info, bool via_broker, std::string_view when);
// The broker announced its shutdown with `cause` and `reason` (codex/broker_protocol.h):
// app-server-exited when its app-server exited, else broker-lost; both broker failures.
End broker_end(std::string_view cause, std::string_view reason, std::string_view when);
End stalled_end(int64_t stall_ms);
End deadline_end(int64_t deadline_ms);
End cancelled_by_user();
End workspace_gone(std::string_view cwd);
// A turn that failed while its workspace was gone failed because of that, whichever watcher saw
// it first: every end but completed and cancelled becomes workspace-gone (keeping `interrupt`).
End blame_a_vanished_workspace(End end, bool vanished, std::string_view cwd);

}  // namespace companion::codex
