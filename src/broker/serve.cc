#include "broker/serve.h"

#include <fmt/format.h>
#include <signal.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <optional>

#include "broker/daemon.h"
#include "rpc/event.h"
#include "rpc/run.h"
#include "rpc/stream_transport.h"

namespace companion::broker {

namespace {

asio::awaitable<void> stop_on_signal(asio::signal_set& signals, Daemon& daemon) {
  auto [ec, number] = co_await signals.async_wait(rpc::kNoThrow);
  if (ec) co_return;
  daemon.request_stop(number == SIGINT ? "the broker was interrupted (SIGINT)"
                                       : "the broker was stopped (SIGTERM)");
}

asio::awaitable<void> start_and_run(Daemon& daemon, asio::signal_set& signals,
                                    std::optional<Result<int>>& out) {
  Status started = co_await daemon.start();
  if (!started.ok()) {
    out.emplace(started.error());
    co_return;
  }
  asio::co_spawn(co_await asio::this_coro::executor, stop_on_signal(signals, daemon),
                 asio::detached);
  out.emplace(co_await daemon.run());
}

}  // namespace

Result<int> serve(const ServeOptions& options) {
  auto path = rpc::parse_unix_endpoint(options.endpoint);
  if (!path) return path.error();
  DaemonOptions daemon_options;
  daemon_options.codex = options.codex;
  daemon_options.socket_path = *path;
  daemon_options.pid_file = options.pid_file;
  daemon_options.cwd = options.cwd;
  daemon_options.idle_ms = options.idle_ms;
  daemon_options.log = options.log;
  asio::io_context io;
  // Taken over before the app-server starts, so a stop at any point ends in the clean sequence.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  Daemon daemon(io.get_executor(), daemon_options);
  std::optional<Result<int>> result;
  if (auto what = rpc::run_to_end(io, start_and_run(daemon, signals, result))) {
    return make_error("the broker failed: {}", *what);
  }
  if (!result) return make_error("the broker ended without a result");
  return std::move(*result);
}

}  // namespace companion::broker
