#include "codex/account_probe.h"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <variant>

#include "codex/app_server.h"
#include "rpc/event.h"
#include "rpc/run.h"

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
  auto limits = co_await app.read_rate_limits();
  if (limits) {
    probe.rate_limits = std::move(*limits);
  } else {
    probe.rate_limits_error = limits.error().message;
  }
  co_return std::string();
}

asio::awaitable<std::string> probe_timeout(int64_t timeout_ms) {
  co_await rpc::sleep_for(std::chrono::milliseconds(timeout_ms));
  co_return fmt::format("Codex app-server did not answer within {:g} s",
                        static_cast<double>(timeout_ms) / 1000.0);
}

// One attempt on `app`: the steps raced against the timeout; the error text, empty on success.
asio::awaitable<std::string> attempt(std::unique_ptr<AppServer> app, std::string cwd,
                                     int64_t timeout_ms, AccountProbe& out) {
  auto winner = co_await (probe_steps(*app, cwd, out) || probe_timeout(timeout_ms));
  std::string error = std::visit([](std::string s) { return s; }, winner);
  co_await app->shutdown("the probe ended");
  co_return error;
}

// Through the broker when the connector names one; a broker that cannot answer is left for a
// direct app-server (when allowed), so a busy or broken broker never reads as "logged out".
asio::awaitable<void> probe(CodexCommand codex, std::string cwd, int64_t timeout_ms,
                            Connector connector, AccountProbe& out) {
  auto ex = co_await asio::this_coro::executor;
  AppServerOptions options;
  options.codex = std::move(codex);
  options.cwd = cwd;
  if (!connector.broker_endpoint.empty()) {
    auto broker = AppServer::connect_broker(ex, connector.broker_endpoint, options);
    out.runtime = "shared";
    if (broker) {
      out.error = co_await attempt(std::move(*broker), cwd, timeout_ms, out);
      if (out.error.empty()) co_return;
    } else {
      out.error = broker.error().message;
    }
    if (!connector.direct_fallback) co_return;
    out = AccountProbe{};
  }
  out.runtime = "direct";
  auto started = AppServer::start_direct(ex, options);
  if (!started) {
    out.error = started.error().message;
    co_return;
  }
  out.error = co_await attempt(std::move(*started), cwd, timeout_ms, out);
}

}  // namespace

AccountProbe probe_account(const CodexCommand& codex, const std::string& cwd, int64_t timeout_ms,
                           const Connector& connector) {
  AccountProbe out;
  asio::io_context io;
  if (auto what = rpc::run_to_end(io, probe(codex, cwd, timeout_ms, connector, out))) {
    out.error = fmt::format("internal error while asking Codex about the account: {}", *what);
  }
  return out;
}

}  // namespace companion::codex
