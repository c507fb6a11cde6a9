// run_turn() of run_turn.h: the synchronous shell around run_turn_async() (turn_run.cc).
#include "codex/run_turn.h"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include "codex/run_turn_async.h"
#include "rpc/run.h"

namespace companion::codex {
namespace {

// Sets `stop` once `fd` is readable. The descriptor stays the caller's: it is released, never
// closed, however the coroutine ends (also when its frame is destroyed with the io_context).
asio::awaitable<void> watch_stop_fd(int fd, rpc::Event& stop) {
  asio::posix::stream_descriptor descriptor(co_await asio::this_coro::executor);
  struct Release {
    asio::posix::stream_descriptor& d;
    ~Release() { d.release(); }
  };
  asio::error_code ec;
  descriptor.assign(fd, ec);
  if (ec) co_return;
  Release release{descriptor};
  auto [wait_ec] =
      co_await descriptor.async_wait(asio::posix::descriptor_base::wait_read, rpc::kNoThrow);
  if (!wait_ec) stop.set();
}

// The turn's outcome into `out`; `done` once it has one (the io_context can run dry before).
asio::awaitable<void> run_into(TurnOutcome& out, bool& done, const TurnSpec& spec,
                               const TurnLimits& limits, const Connector& connector,
                               TurnObserver& observer, rpc::Event* stop) {
  out = co_await run_turn_async(spec, limits, connector, observer, stop);
  done = true;
}

}  // namespace

TurnOutcome run_turn(const TurnSpec& spec, const TurnLimits& limits, const Connector& connector,
                     TurnObserver& observer, int stop_fd) {
  asio::io_context io;
  rpc::Event stop(io.get_executor());
  if (stop_fd >= 0) asio::co_spawn(io, watch_stop_fd(stop_fd, stop), asio::detached);
  TurnOutcome outcome;
  bool done = false;
  auto what =
      rpc::run_to_end(io, run_into(outcome, done, spec, limits, connector, observer, &stop));
  if (what || !done) {
    outcome.end_reason = TurnEnd::kError;
    outcome.error_message = what ? fmt::format("internal error while running the turn: {}", *what)
                                 : "the turn ended without a result";
  }
  return outcome;
}

}  // namespace companion::codex
