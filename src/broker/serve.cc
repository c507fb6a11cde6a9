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
#include "sys/process.h"

namespace companion::broker {

namespace {

// Between SIGTERM and SIGKILL for what is left when the broker exits.
constexpr int kOrphanGraceMs = 300;

asio::awaitable<void> stop_on_signal(asio::signal_set& signals, Daemon& daemon) {
  auto [ec, number] = co_await signals.async_wait(rpc::kNoThrow);
  if (ec) co_return;
  daemon.request_stop(number == SIGINT ? "the broker was interrupted (SIGINT)"
                                       : "the broker was stopped (SIGTERM)");
}

// Orphans the broker adopted as their reaper (what the app-server started and left behind) are
// reaped as they exit; the app-server itself is left for its supervisor, which wants its status.
asio::awaitable<void> reap_orphans(asio::signal_set& children, Daemon& daemon) {
  for (;;) {
    auto [ec, number] = co_await children.async_wait(rpc::kNoThrow);
    if (ec) co_return;
    (void)number;
    (void)sys::reap_exited_children_except(daemon.app_server_pid());
  }
}

asio::awaitable<void> start_and_run(Daemon& daemon, asio::signal_set& signals,
                                    asio::signal_set& children, std::optional<Result<int>>& out) {
  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, reap_orphans(children, daemon), asio::detached);
  Status started = co_await daemon.start();
  if (!started.ok()) {
    out.emplace(started.error());
    co_return;
  }
  asio::co_spawn(ex, stop_on_signal(signals, daemon), asio::detached);
  out.emplace(co_await daemon.run());
}

}  // namespace

Result<int> serve(sys::Env& env, const ServeOptions& options) {
  auto path = rpc::parse_unix_endpoint(options.endpoint);
  if (!path) return path.error();
  DaemonOptions daemon_options;
  daemon_options.codex = options.codex;
  daemon_options.socket_path = *path;
  daemon_options.pid_file = options.pid_file;
  daemon_options.cwd = options.cwd;
  daemon_options.idle_ms = options.idle_ms;
  daemon_options.identity = options.identity;
  daemon_options.log = options.log;
  // The reaper of what the app-server leaves behind (SPEC.md guarantee 5), as a job's owner is.
  if (Status adopted = sys::become_subreaper(); !adopted.ok() && options.log) {
    options.log("note: " + adopted.error().message);
  }
  std::optional<Result<int>> result;
  {
    asio::io_context io;
    // Taken over before the app-server starts, so a stop at any point ends in the clean sequence.
    asio::signal_set signals(io, SIGTERM, SIGINT);
    asio::signal_set children(io, SIGCHLD);
    Daemon daemon(io.get_executor(), env, daemon_options);
    if (auto what = rpc::run_to_end(io, start_and_run(daemon, signals, children, result))) {
      result.emplace(make_error("the broker failed: {}", *what));
    }
  }
  // However it ended: nothing the app-server started outlives the broker.
  if (int left = sys::end_descendants(kOrphanGraceMs); left > 0 && options.log) {
    options.log(fmt::format("ended {} process(es) the app-server left behind", left));
  }
  if (!result) return make_error("the broker ended without a result");
  return std::move(*result);
}

}  // namespace companion::broker
