#include "codex/turn_steps.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <utility>

#include "codex/protocol.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a && b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator&&;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

asio::awaitable<Result<Json>> start_or_resume(AppServer& app, const TurnSpec& spec) {
  ThreadOptions options{spec.cwd, spec.model, spec.effort, spec.write,
                        spec.ephemeral.value_or(spec.kind != JobKind::kTask)};
  if (spec.resume_thread_id.empty()) co_return co_await app.start_thread(options);
  auto resumed = co_await app.resume_thread(spec.resume_thread_id, options);
  if (!resumed && !app.connection().closed()) {
    // Said plainly: an unknown thread id is the usual cause (Codex's own words follow).
    co_return make_error("Codex could not resume thread {}: {}", spec.resume_thread_id,
                         resumed.error().message);
  }
  co_return resumed;
}

asio::awaitable<void> read_catalog(AppServer& app, Json& catalog) {
  auto list = co_await app.call("model/list", model_list_params(), Millis(kModelListTimeoutMs));
  if (list) catalog = std::move(*list);
}

}  // namespace

asio::awaitable<Result<Json>> initialize_app_server(AppServer& app, int64_t broker_connect_ms) {
  if (!app.via_broker()) co_return co_await app.initialize();
  auto init = co_await app.call("initialize", initialize_params(), Millis(broker_connect_ms));
  if (init) app.connection().notify("initialized", Json::object());
  co_return init;
}

asio::awaitable<Result<Json>> open_thread(AppServer& app, const TurnSpec& spec, Json& catalog) {
  if (spec.effort) co_return co_await start_or_resume(app, spec);
  auto opened = co_await (start_or_resume(app, spec) && read_catalog(app, catalog));
  co_return opened;
}

asio::awaitable<Result<Json>> start_turn(AppServer& app, const TurnSpec& spec,
                                         const std::string& thread_id) {
  if (spec.kind == JobKind::kReview) {
    if (spec.review_target.is_null()) co_return make_error("no review target was given");
    co_return co_await app.start_review(thread_id, spec.review_target);
  }
  co_return co_await app.start_turn(thread_id, spec.prompt, spec.model, spec.effort,
                                    spec.output_schema);
}

}  // namespace companion::codex
