// Running one coroutine to its end on a caller's io_context: the synchronous edge of the
// asynchronous code (a foreground turn, a probe, an import, the broker's main loop).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <optional>
#include <string>

namespace companion::rpc {

// Spawns `task` on `io` and runs `io` until `task` ends; then stops `io`, so detached helpers
// still waiting (timers, watchers) do not keep it running. Returns the what() of an exception
// that escaped `task` (a std::exception; any other exception is rethrown), nullopt when it
// ended normally. Call from the thread that owns `io`.
std::optional<std::string> run_to_end(asio::io_context& io, asio::awaitable<void> task);

}  // namespace companion::rpc
