// `turn/steer` on a running turn from another process, through the shared broker (which lets any
// client of its user steer or interrupt any thread, as the app-server does).
//
// Shape (codex-cli 0.169.0, v2/TurnSteerParams.json): {threadId, expectedTurnId, input:
// [UserInput]} → {turnId}; Codex refuses it when expectedTurnId is not the thread's active turn,
// or when that turn cannot be steered (a review: codexErrorInfo activeTurnNotSteerable).
#pragma once

#include <cstdint>
#include <string>

#include "codex/app_server.h"
#include "sys/result.h"

namespace companion::codex {

// The longest steering text accepted (bytes).
inline constexpr std::size_t kMaxSteerBytes = 64 * 1024;

// Connects to the broker at `endpoint`, initializes, sends turn/steer with `text` as one text
// input, and returns Codex's answer ({turnId}). Everything is bounded by `timeout_ms`. Errors: the
// broker cannot be reached; Codex's refusal (its message); the timeout.
Result<nlohmann::json> steer_turn(const AppServerOptions& options, const std::string& endpoint,
                                  const std::string& thread_id, const std::string& turn_id,
                                  const std::string& text, int64_t timeout_ms);

}  // namespace companion::codex
