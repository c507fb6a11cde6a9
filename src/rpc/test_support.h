// Test helper: runs a coroutine to completion on a fresh io_context, with a wall-clock bound.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

namespace companion::rpc::test_support {

// Runs `make(executor)` (returning asio::awaitable<T>) and returns its value; throws when it did
// not finish within `limit` or when it threw.
template <class Make>
auto run_coroutine(Make make, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  asio::io_context io;
  using Awaitable = decltype(make(io.get_executor()));
  using T = typename Awaitable::value_type;
  std::optional<T> value;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, make(io.get_executor()), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value.emplace(std::move(v));
    done = true;
  });
  io.run_for(limit);
  if (!done) throw std::runtime_error("the coroutine did not finish in time");
  if (error) std::rethrow_exception(error);
  // Let detached loops finish their last steps.
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  return std::move(*value);
}

}  // namespace companion::rpc::test_support
