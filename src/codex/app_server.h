// A client of `codex app-server`: the typed operations over an rpc::Connection (Asio-based; the
// synchronous entry points for the rest of the program are in run_turn.h).
//
// Errors are values: a rejected request becomes "Codex rejected <method>: <message> (code N)",
// a closed connection the close reason ("Codex app-server exited (exit code 1) while waiting for
// the answer to turn/start: <stderr tail>").
//
// Requests from the app-server (approvals, user input) are answered at once by Codex's answer
// policy (codex/server_requests.h); an observer hears what was answered.
#pragma once

#include <sys/types.h>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "codex/codex_binary.h"
#include "codex/protocol.h"
#include "codex/server_requests.h"
#include "rpc/child_transport.h"
#include "rpc/connection.h"
#include "sys/result.h"

namespace companion::codex {

struct AppServerOptions {
  CodexCommand codex;  // the Codex CLI (resolve_codex); start_direct runs `<codex> app-server`
  std::string cwd;     // the workspace: the app-server's working directory
  std::size_t max_line = rpc::kDefaultMaxLine;
  rpc::DiagnosticLog log;  // diagnostics about the app-server's output; may be empty
  std::chrono::milliseconds stop_step{1500};          // each step of stopping the child
  std::chrono::milliseconds request_timeout{120000};  // for requests that are not a turn's wait
};

// Starts `<codex> app-server` (see codex_binary.h) in options.cwd as a supervised child
// (rpc/child_transport.h). Used by AppServer::start_direct() and by the broker.
Result<std::unique_ptr<rpc::ChildTransport>> start_app_server_process(
    const asio::any_io_executor& executor, const AppServerOptions& options);

// Checks an id the app-server answered `method` with (`what`: "thread id", "turn id",
// "reviewThreadId"): present and a plain id (sys::is_codex_id). Ids from Codex end up in
// `codex resume <id>` lines the user copies, in stored jobs and in later requests: one that is not
// plain (a `; rm -rf ~` tail, quotes, control characters) is a protocol error for the job, and
// the error names what was wrong without quoting the id.
Status check_answer_id(std::string_view method, std::string_view what, const std::string& id);

// "Codex rejected <method>: <message> (code N)" for a remote error; the message otherwise.
std::string describe_rpc_error(const std::string& method, const rpc::RpcError& error);

// True when `error` is the app-server saying it does not know `method`: JSON-RPC's -32601, or
// what codex-cli 0.169.0 answers (measured): -32600 "Invalid request: unknown variant `<method>`,
// expected one of ...". Any other error, or one that is not the peer's answer, is false.
bool is_unknown_method(const rpc::RpcError& error, std::string_view method);

class AppServer {
 public:
  // Starts `<options.codex> app-server` in options.cwd, leading its own session. Not yet
  // initialized.
  static Result<std::unique_ptr<AppServer>> start_direct(const asio::any_io_executor& executor,
                                                         const AppServerOptions& options);
  // Connects to a broker (broker/daemon.h) at `endpoint` ("unix:<path>"). Not yet initialized;
  // never blocks (a broker that accepts no connections is an error).
  static Result<std::unique_ptr<AppServer>> connect_broker(const asio::any_io_executor& executor,
                                                           const std::string& endpoint,
                                                           const AppServerOptions& options);
  // Uses an existing transport (e.g. a broker's socket). The connection starts reading once the
  // executor runs: handlers set on connection() before the first co_await see every message.
  AppServer(const asio::any_io_executor& executor, std::unique_ptr<rpc::Transport> transport,
            const AppServerOptions& options, pid_t pid = -1, bool via_broker = false);

  rpc::Connection& connection() { return *connection_; }
  // The child's pid in direct mode, else -1.
  pid_t pid() const { return pid_; }
  // True when connected to a broker rather than to a child of our own.
  bool via_broker() const { return via_broker_; }
  // Hears every server request the policy answered (after the answer was queued).
  void set_server_request_observer(std::function<void(const ServerAnswer&)> observer);

  // initialize, then the `initialized` notification. Returns the initialize result.
  asio::awaitable<Result<nlohmann::json>> initialize();
  asio::awaitable<Result<nlohmann::json>> start_thread(ThreadOptions options);
  asio::awaitable<Result<nlohmann::json>> resume_thread(std::string thread_id,
                                                        ThreadOptions options);
  // Succeeds when the CLI does not know the method (older versions).
  asio::awaitable<Status> set_thread_name(std::string thread_id, std::string name);
  asio::awaitable<Result<nlohmann::json>> start_turn(std::string thread_id, std::string prompt,
                                                     std::optional<std::string> model,
                                                     std::optional<std::string> effort,
                                                     nlohmann::json output_schema);
  asio::awaitable<Result<nlohmann::json>> start_review(std::string thread_id,
                                                       nlohmann::json target);
  asio::awaitable<Status> interrupt_turn(std::string thread_id, std::string turn_id,
                                         std::chrono::milliseconds timeout);
  asio::awaitable<Result<nlohmann::json>> read_account();
  // account/rateLimits/read (no params): {rateLimits, rateLimitsByLimitId, …}
  // (codex/rate_limits.h). Fails unless the account is a ChatGPT sign-in.
  asio::awaitable<Result<nlohmann::json>> read_rate_limits();
  asio::awaitable<Result<nlohmann::json>> read_config(std::string cwd);
  asio::awaitable<Result<nlohmann::json>> list_threads(std::string cwd, int limit,
                                                       std::string search_term);
  // Any request, with the default timeout unless one is given.
  asio::awaitable<Result<nlohmann::json>> call(
      std::string method, nlohmann::json params,
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Closes the connection and stops the app-server (bounded). Idempotent.
  asio::awaitable<void> shutdown(std::string reason = "the connection was closed");

 private:
  std::unique_ptr<rpc::Connection> connection_;
  AppServerOptions options_;
  pid_t pid_ = -1;
  bool via_broker_ = false;
  std::function<void(const ServerAnswer&)> on_server_request_;
};

}  // namespace companion::codex
