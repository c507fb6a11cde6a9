// The coroutine form of run_turn() (codex/run_turn.h), for code that runs its own event loop:
// the broker's tests run a broker and several turns in one io_context. The contract is
// run_turn()'s; the stop source is an Event set by the caller.
#pragma once

#include <asio/awaitable.hpp>

#include "codex/run_turn.h"
#include "rpc/event.h"

namespace companion::codex {

// `stop` may be null (no cancellation); when set, it must outlive the coroutine. The spec,
// limits and connector are copied; `observer` must outlive the coroutine.
asio::awaitable<TurnOutcome> run_turn_async(TurnSpec spec, TurnLimits limits, Connector connector,
                                            TurnObserver& observer, rpc::Event* stop);

}  // namespace companion::codex
