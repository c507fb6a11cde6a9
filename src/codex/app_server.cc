#include "codex/app_server.h"

#include <fmt/format.h>

#include "codex/codex_binary.h"
#include "rpc/stream_transport.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::codex {

using Json = nlohmann::json;

std::string describe_rpc_error(const std::string& method, const rpc::RpcError& error) {
  if (error.kind == rpc::RpcError::Kind::kRemote) {
    return fmt::format("Codex rejected {}: {} (code {})", method, error.message, error.code);
  }
  return error.message;
}

bool is_unknown_method(const rpc::RpcError& error, std::string_view method) {
  if (error.kind != rpc::RpcError::Kind::kRemote) return false;
  if (error.code == rpc::kMethodNotFound) return true;
  std::string quoted = fmt::format("unknown variant `{}`", method);
  return error.code == rpc::kInvalidRequest && error.message.find(quoted) != std::string::npos;
}

Status check_answer_id(std::string_view method, std::string_view what, const std::string& id) {
  if (id.empty()) return make_error("Codex answered {} without a {}", method, what);
  if (sys::is_codex_id(id)) return {};
  return make_error(
      "protocol error: Codex answered {} with a {} that is not a plain id (letters, digits, "
      "'-', '_', '.', ':'; at most {} characters); it is not used or shown",
      method, what, sys::kMaxCodexIdBytes);
}

Result<std::unique_ptr<rpc::ChildTransport>> start_app_server_process(
    const asio::any_io_executor& executor, const AppServerOptions& options) {
  rpc::ChildSpec spec;
  spec.argv = {options.codex.program};
  for (std::string& argument : app_server_arguments()) spec.argv.push_back(std::move(argument));
  spec.cwd = options.cwd;
  spec.env = options.codex.env;
  spec.display_name = "Codex app-server";
  spec.stop_step = options.stop_step;
  // Printed at every start when CODEX_HOME is under a temporary directory.
  spec.stderr_noise = {"WARNING: proceeding, even though we could not",
                       "could not find bubblewrap on PATH"};
  auto child = rpc::ChildTransport::start(executor, std::move(spec));
  if (!child) {
    return make_error("cannot start the Codex app-server: {}", child.error().message);
  }
  return std::move(*child);
}

Result<std::unique_ptr<AppServer>> AppServer::start_direct(const asio::any_io_executor& executor,
                                                           const AppServerOptions& options) {
  auto child = start_app_server_process(executor, options);
  if (!child) return child.error();
  pid_t pid = (*child)->pid();
  return std::make_unique<AppServer>(executor, std::move(*child), options, pid);
}

Result<std::unique_ptr<AppServer>> AppServer::connect_broker(const asio::any_io_executor& executor,
                                                             const std::string& endpoint,
                                                             const AppServerOptions& options) {
  auto path = rpc::parse_unix_endpoint(endpoint);
  if (!path) return path.error();
  auto transport = rpc::StreamTransport::connect_unix(executor, *path, "the Codex broker");
  if (!transport) {
    return make_error("cannot reach the shared Codex broker: {}", transport.error().message);
  }
  return std::make_unique<AppServer>(executor, std::move(*transport), options, -1, true);
}

AppServer::AppServer(const asio::any_io_executor& executor,
                     std::unique_ptr<rpc::Transport> transport, const AppServerOptions& options,
                     pid_t pid, bool via_broker)
    : options_(options), pid_(pid), via_broker_(via_broker) {
  rpc::ConnectionOptions connection_options;
  connection_options.max_line = options.max_line;
  connection_options.log = options.log;
  connection_options.peer_name = via_broker ? "the Codex broker" : "Codex app-server";
  connection_ = std::make_unique<rpc::Connection>(executor, std::move(transport),
                                                  std::move(connection_options));
  connection_->set_server_request_handler([this](const rpc::ServerRequest& request) {
    ServerAnswer answer = answer_server_request(request.method, request.params);
    if (answer.is_error) {
      connection_->respond_error(request.id, answer.code, answer.message);
    } else {
      connection_->respond(request.id, answer.result);
    }
    if (options_.log) options_.log(rpc::DiagnosticKind::kRefused, answer.summary);
    if (on_server_request_) on_server_request_(answer);
  });
  connection_->start();
}

void AppServer::set_server_request_observer(std::function<void(const ServerAnswer&)> observer) {
  on_server_request_ = std::move(observer);
}

asio::awaitable<Result<Json>> AppServer::call(std::string method, Json params,
                                              std::optional<std::chrono::milliseconds> timeout) {
  rpc::Reply reply = co_await connection_->request(method, std::move(params),
                                                   timeout.value_or(options_.request_timeout));
  if (!reply.ok()) co_return Error{describe_rpc_error(method, *reply.error)};
  co_return std::move(reply.result);
}

asio::awaitable<Result<Json>> AppServer::initialize() {
  auto result = co_await call("initialize", initialize_params());
  if (result) connection_->notify("initialized", Json::object());
  co_return result;
}

asio::awaitable<Result<Json>> AppServer::start_thread(ThreadOptions options) {
  auto result = co_await call("thread/start", thread_start_params(options));
  if (!result) co_return result;
  if (Status id_ok = check_answer_id("thread/start", "thread id", thread_id_of(*result)); !id_ok)
    co_return id_ok.error();
  co_return result;
}

asio::awaitable<Result<Json>> AppServer::resume_thread(std::string thread_id,
                                                       ThreadOptions options) {
  auto result = co_await call("thread/resume", thread_resume_params(thread_id, options));
  if (!result) co_return result;
  if (Status id_ok = check_answer_id("thread/resume", "thread id", thread_id_of(*result)); !id_ok)
    co_return id_ok.error();
  co_return result;
}

asio::awaitable<Status> AppServer::set_thread_name(std::string thread_id, std::string name) {
  rpc::Reply reply = co_await connection_->request(
      "thread/name/set", thread_name_params(thread_id, name), options_.request_timeout);
  if (reply.ok()) co_return Status();
  if (is_unknown_method(*reply.error, "thread/name/set")) co_return Status();
  co_return Error{describe_rpc_error("thread/name/set", *reply.error)};
}

asio::awaitable<Result<Json>> AppServer::start_turn(std::string thread_id, std::string prompt,
                                                    std::optional<std::string> model,
                                                    std::optional<std::string> effort,
                                                    Json output_schema) {
  auto result = co_await call("turn/start",
                              turn_start_params(thread_id, prompt, model, effort, output_schema));
  if (!result) co_return result;
  if (Status id_ok = check_answer_id("turn/start", "turn id", turn_id_of(*result)); !id_ok)
    co_return id_ok.error();
  co_return result;
}

asio::awaitable<Result<Json>> AppServer::start_review(std::string thread_id, Json target) {
  auto result = co_await call("review/start", review_start_params(thread_id, target));
  if (!result) co_return result;
  if (Status id_ok = check_answer_id("review/start", "turn id", turn_id_of(*result)); !id_ok)
    co_return id_ok.error();
  // Absent (or null) when the review runs on the thread itself.
  if (auto review_thread = sys::json_string(*result, "reviewThreadId")) {
    Status id_ok = check_answer_id("review/start", "reviewThreadId", *review_thread);
    if (!id_ok) co_return id_ok.error();
  }
  co_return result;
}

asio::awaitable<Status> AppServer::interrupt_turn(std::string thread_id, std::string turn_id,
                                                  std::chrono::milliseconds timeout) {
  auto result = co_await call("turn/interrupt", turn_interrupt_params(thread_id, turn_id), timeout);
  if (!result) co_return result.error();
  co_return Status();
}

asio::awaitable<Result<Json>> AppServer::read_account() {
  co_return co_await call("account/read", account_read_params());
}

asio::awaitable<Result<Json>> AppServer::read_rate_limits() {
  co_return co_await call("account/rateLimits/read", nullptr);
}

asio::awaitable<Result<Json>> AppServer::read_config(std::string cwd) {
  co_return co_await call("config/read", config_read_params(cwd));
}

asio::awaitable<Result<Json>> AppServer::list_threads(std::string cwd, int limit,
                                                      std::string search_term) {
  co_return co_await call("thread/list", thread_list_params(cwd, limit, search_term));
}

asio::awaitable<void> AppServer::shutdown(std::string reason) {
  co_await connection_->shutdown(std::move(reason));
}

}  // namespace companion::codex
