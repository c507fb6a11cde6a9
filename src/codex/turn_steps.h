// The requests that open a turn, in the order turn_run.cc's drive() makes them: initialize, open
// the thread (start or resume, reading the model catalog meanwhile), start the turn or review.
// Each is one request (or two at once) to the app-server and its answer, with nothing of the
// turn's race in it: the race (turn_run.cc) decides what a failure means.
// Coroutines on the AppServer's executor; not thread-safe (one turn's AppServer).
#pragma once

#include <asio/awaitable.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "codex/app_server.h"
#include "codex/run_turn.h"
#include "sys/result.h"

namespace companion::codex {

// initialize (then initialized). Through a broker the answer is bounded by `broker_connect_ms`:
// the broker answers initialize itself, so a slow answer means a broker that is not healthy.
asio::awaitable<Result<nlohmann::json>> initialize_app_server(AppServer& app,
                                                              int64_t broker_connect_ms);

// thread/start, or thread/resume of spec.resume_thread_id (an error says which thread could not
// be resumed, unless the connection closed). Meanwhile, unless the job names its effort (the
// thread's configuration carries it, reviews included), reads Codex's model catalog into `catalog`
// (model/list, bounded by kModelListTimeoutMs, optional: no answer leaves it as it was): a thread
// whose effort Codex leaves null runs at its model's default effort.
asio::awaitable<Result<nlohmann::json>> open_thread(AppServer& app, const TurnSpec& spec,
                                                    nlohmann::json& catalog);

// review/start for a review (an error when it has no target), else turn/start, on `thread_id`.
asio::awaitable<Result<nlohmann::json>> start_turn(AppServer& app, const TurnSpec& spec,
                                                   const std::string& thread_id);

}  // namespace companion::codex
