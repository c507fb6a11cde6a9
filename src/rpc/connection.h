// JSON-RPC over newline-delimited JSON, as `codex app-server` speaks it (no "jsonrpc" field).
//
// A Connection is the client role over a Channel (rpc/channel.h): it
//   - numbers our requests (integers) and matches responses; an error response keeps its code
//     and message;
//   - hands notifications to the notification handler, in arrival order;
//   - hands requests from the server (any id: string or integer) to the server-request handler,
//     which answers them with respond() / respond_error(), at once or later. Without a handler
//     every server request is answered at once with error -32601, so none is left pending;
//   - counts and skips lines that are not JSON-RPC messages; a line over the size bound fails the
//     connection;
//   - when the transport ends, fails every pending request with the close reason.
// Single-threaded: every member is used from the executor's thread. Handlers run inside the
// reader loop and must not block; they may call any member except the destructor.
// Lifetime: co_await shutdown() before destroying it; destroying it without that aborts the
// transport synchronously (bounded).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/jsonrpc.h"
#include "rpc/line_codec.h"
#include "rpc/transport.h"

namespace companion::rpc {

struct RpcError {
  enum class Kind {
    kRemote,     // the peer answered with a JSON-RPC error (code, message, data)
    kClosed,     // the connection closed first (message says why)
    kTimeout,    // no answer within the request's timeout
    kCancelled,  // the waiting coroutine was cancelled
  };
  Kind kind = Kind::kRemote;
  int code = 0;
  std::string message;
  nlohmann::json data;
};

struct Reply {
  nlohmann::json result;
  std::optional<RpcError> error;
  bool ok() const { return !error.has_value(); }
};

struct ConnectionOptions {
  std::size_t max_line = kDefaultMaxLine;
  // Diagnostics (skipped lines, unmatched responses, answered server requests); may be empty.
  DiagnosticLog log;
  // The peer in messages, e.g. "Codex app-server".
  std::string peer_name = "Codex app-server";
};

using NotificationHandler =
    std::function<void(const std::string& method, const nlohmann::json& params)>;

// A request from the server. `id` is the server's id (a string or an integer), to be passed
// back to respond().
struct ServerRequest {
  nlohmann::json id;
  std::string method;
  nlohmann::json params;
};
using ServerRequestHandler = std::function<void(const ServerRequest& request)>;

class Connection {
 public:
  Connection(const asio::any_io_executor& executor, std::unique_ptr<Transport> transport,
             ConnectionOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the reader and writer loops. REQUIRES: called once, before anything is sent.
  void start();

  // Sends a request and waits for its response, the close of the connection, or `timeout`.
  asio::awaitable<Reply> request(std::string method, nlohmann::json params,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Queues a notification (sending failures show up as a closed connection).
  void notify(std::string method, nlohmann::json params);

  // Answers the server request `id` (ignored once the connection is closed).
  void respond(const nlohmann::json& id, nlohmann::json result);
  void respond_error(const nlohmann::json& id, int code, std::string message);

  void set_notification_handler(NotificationHandler handler);
  void set_server_request_handler(ServerRequestHandler handler);
  // Called for every chunk of bytes received, before its lines are dispatched.
  void set_activity_handler(std::function<void()> handler);

  bool closed() const;
  // Why it closed. REQUIRES: closed().
  const CloseInfo& close_info() const;
  // Completes once the connection is closed (at once when it already is).
  asio::awaitable<void> wait_closed();

  // Lines skipped because they were not JSON-RPC messages.
  std::size_t malformed_lines() const;
  Transport& transport();

  // Closes the connection (pending requests fail with `reason`), shuts the transport down and
  // waits for both loops to end. Idempotent.
  asio::awaitable<void> shutdown(std::string reason = "the connection was closed");

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace companion::rpc
