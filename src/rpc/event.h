// Small coroutine helpers over Asio timers: a settable event and a sleep. Single-threaded use.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>

namespace companion::rpc {

inline constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// A flag that coroutines can wait for. set() wakes every waiter; it stays set until reset().
class Event {
 public:
  explicit Event(const asio::any_io_executor& executor)
      : timer_(executor, asio::steady_timer::time_point::max()) {}

  void set() {
    set_ = true;
    timer_.cancel();
  }
  void reset() { set_ = false; }
  bool is_set() const { return set_; }

  // Completes once the event is set (at once when it already is). Ends early when the waiting
  // coroutine is cancelled (e.g. as the loser of an `||`).
  asio::awaitable<void> wait() {
    while (!set_) {
      co_await timer_.async_wait(kNoThrow);
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return;
    }
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// Sleeps for `duration` (ends early when cancelled).
inline asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(kNoThrow);
}

}  // namespace companion::rpc
