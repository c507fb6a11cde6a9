#include "codex/account_probe.h"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <exception>
#include <variant>

#include "codex/app_server.h"
#include "rpc/event.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;

asio::awaitable<std::string> probe_steps(AppServer& app, std::string cwd, AccountProbe& probe) {
  auto init = co_await app.initialize();
  if (!init) co_return init.error().message;
  probe.initialize = std::move(*init);
  auto account = co_await app.read_account();
  if (!account) co_return account.error().message;
  probe.account = std::move(*account);
  auto config = co_await app.read_config(cwd);
  if (!config) co_return config.error().message;
  probe.config = std::move(*config);
  co_return std::string();
}

asio::awaitable<std::string> probe_timeout(int64_t timeout_ms) {
  co_await rpc::sleep_for(std::chrono::milliseconds(timeout_ms));
  co_return fmt::format("Codex app-server did not answer within {:g} s",
                        static_cast<double>(timeout_ms) / 1000.0);
}

asio::awaitable<void> probe(CodexCommand codex, std::string cwd, int64_t timeout_ms,
                            AccountProbe& out) {
  auto ex = co_await asio::this_coro::executor;
  AppServerOptions options;
  options.codex = std::move(codex);
  options.cwd = cwd;
  auto started = AppServer::start_direct(ex, options);
  if (!started) {
    out.error = started.error().message;
    co_return;
  }
  auto app = std::move(*started);
  auto winner = co_await (probe_steps(*app, cwd, out) || probe_timeout(timeout_ms));
  out.error = std::visit([](std::string s) { return s; }, winner);
  co_await app->shutdown("the probe ended");
}

}  // namespace

AccountProbe probe_account(const CodexCommand& codex, const std::string& cwd, int64_t timeout_ms) {
  AccountProbe out;
  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(io, probe(codex, cwd, timeout_ms, out), [&](std::exception_ptr e) {
    failure = std::move(e);
    io.stop();
  });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      out.error = fmt::format("internal error while asking Codex about the account: {}", e.what());
    }
  }
  return out;
}

}  // namespace companion::codex
