#include "codex/steer.h"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <variant>

#include "rpc/event.h"
#include "rpc/run.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;

asio::awaitable<Result<Json>> steer_steps(AppServer& app, Json params) {
  auto init = co_await app.initialize();
  if (!init) co_return init.error();
  co_return co_await app.call("turn/steer", std::move(params));
}

asio::awaitable<Result<Json>> steer_timeout(int64_t timeout_ms) {
  co_await rpc::sleep_for(std::chrono::milliseconds(timeout_ms));
  co_return make_error("the broker did not answer turn/steer within {:g} s",
                       static_cast<double>(timeout_ms) / 1000.0);
}

asio::awaitable<void> steer(AppServerOptions options, std::string endpoint, Json params,
                            int64_t timeout_ms, Result<Json>& out) {
  auto ex = co_await asio::this_coro::executor;
  auto app = AppServer::connect_broker(ex, endpoint, options);
  if (!app) {
    out = app.error();
    co_return;
  }
  auto winner = co_await (steer_steps(**app, std::move(params)) || steer_timeout(timeout_ms));
  out = std::visit([](Result<Json> r) { return r; }, std::move(winner));
  co_await (*app)->shutdown("the steer was sent");
}

}  // namespace

Result<Json> steer_turn(const AppServerOptions& options, const std::string& endpoint,
                        const std::string& thread_id, const std::string& turn_id,
                        const std::string& text, int64_t timeout_ms) {
  Json params = {
      {"threadId", thread_id},
      {"expectedTurnId", turn_id},
      {"input",
       Json::array({{{"type", "text"}, {"text", text}, {"text_elements", Json::array()}}})}};
  Result<Json> out = make_error("turn/steer was not sent");
  asio::io_context io;
  if (auto what =
          rpc::run_to_end(io, steer(options, endpoint, std::move(params), timeout_ms, out))) {
    return make_error("internal error while steering: {}", *what);
  }
  return out;
}

}  // namespace companion::codex
