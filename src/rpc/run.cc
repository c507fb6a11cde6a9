#include "rpc/run.h"

#include <asio/co_spawn.hpp>
#include <exception>

namespace companion::rpc {

std::optional<std::string> run_to_end(asio::io_context& io, asio::awaitable<void> task) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    failure = std::move(e);
    io.stop();
  });
  io.run();
  if (!failure) return std::nullopt;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }  // anything else goes on up, to main's last-resort line
}

}  // namespace companion::rpc
