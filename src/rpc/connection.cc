#include "rpc/connection.h"

#include <fmt/format.h>

#include <asio/steady_timer.hpp>
#include <exception>
#include <map>

#include "rpc/channel.h"
#include "rpc/event.h"

namespace companion::rpc {

using Json = nlohmann::json;

namespace {

struct Pending {
  Pending(const asio::any_io_executor& ex, std::string m) : timer(ex), method(std::move(m)) {}
  asio::steady_timer timer;
  std::string method;
  std::optional<Reply> reply;
};

RpcError remote_error(const Json& error) {
  RpcError out;
  out.kind = RpcError::Kind::kRemote;
  if (!error.is_object()) {
    out.code = kInternalError;
    out.message = error.dump(-1, ' ', false, Json::error_handler_t::replace);
    return out;
  }
  auto code = error.find("code");
  out.code = code != error.end() && code->is_number_integer() ? code->get<int>() : kInternalError;
  auto message = error.find("message");
  out.message = message != error.end() && message->is_string() ? message->get<std::string>()
                                                               : std::string("unknown error");
  if (auto data = error.find("data"); data != error.end()) out.data = *data;
  return out;
}

ChannelOptions channel_options(const ConnectionOptions& o) {
  ChannelOptions out;
  out.max_line = o.max_line;
  out.peer_name = o.peer_name;
  out.log = o.log;
  return out;
}

}  // namespace

struct Connection::Impl {
  Impl(const asio::any_io_executor& executor, std::unique_ptr<Transport> t, ConnectionOptions o)
      : ex(executor),
        options(std::move(o)),
        channel(executor, std::move(t), channel_options(options)) {}

  asio::any_io_executor ex;
  ConnectionOptions options;
  Channel channel;
  int64_t next_id = 1;
  std::map<int64_t, std::shared_ptr<Pending>> pending;
  std::size_t malformed = 0;
  NotificationHandler on_notification;
  ServerRequestHandler on_server_request;

  template <class... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    if (options.log) options.log(fmt::format(format, std::forward<Args>(args)...));
  }

  void fail_pending(const CloseInfo& info) {
    auto waiting = std::move(pending);
    pending.clear();
    for (auto& [id, p] : waiting) {
      RpcError error{RpcError::Kind::kClosed, 0,
                     info.describe("while waiting for the answer to " + p->method), nullptr};
      p->reply = Reply{nullptr, std::move(error)};
      p->timer.cancel();
    }
  }

  void handle_response(const Json& message) {
    const Json& id = message["id"];
    auto it = id.is_number_integer() ? pending.find(id.get<int64_t>()) : pending.end();
    if (it == pending.end()) {
      log("skipped a response to unknown request {}", excerpt(id.dump()));
      return;
    }
    auto p = it->second;
    pending.erase(it);
    if (auto error = message.find("error"); error != message.end() && !error->is_null()) {
      p->reply = Reply{nullptr, remote_error(*error)};
    } else {
      auto result = message.find("result");
      p->reply = Reply{result != message.end() ? *result : Json(nullptr), std::nullopt};
    }
    p->timer.cancel();
  }

  void handle_server_request(Json& message) {
    ServerRequest request{message["id"], string_member(message, "method"), params_of(message)};
    if (!on_server_request) {
      channel.send(make_error_response(request.id, kMethodNotFound,
                                       "codex-companion does not handle " + request.method));
      log("refused the server request {}", request.method);
      return;
    }
    on_server_request(request);
  }

  void dispatch(Json& message, std::string_view line) {
    switch (classify(message)) {
      case MessageKind::kRequest:
        handle_server_request(message);
        break;
      case MessageKind::kNotification:
        if (on_notification) {
          on_notification(string_member(message, "method"), params_of(message));
        }
        break;
      case MessageKind::kResponse:
        handle_response(message);
        break;
      case MessageKind::kInvalid:
        ++malformed;
        log("skipped a line that is not a JSON-RPC message: {}", excerpt(line));
        break;
    }
  }
};

Connection::Connection(const asio::any_io_executor& executor, std::unique_ptr<Transport> transport,
                       ConnectionOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(transport), std::move(options))) {
  Impl* impl = impl_.get();
  impl->channel.set_message_handler(
      [impl](Json& message, std::string_view line) { impl->dispatch(message, line); });
  impl->channel.set_malformed_handler([impl](std::string_view) { ++impl->malformed; });
  impl->channel.set_close_handler([impl](const CloseInfo& info) { impl->fail_pending(info); });
}

Connection::~Connection() {
  impl_->channel.abort();
  impl_->fail_pending({"the connection was dropped", {}});
}

void Connection::start() {
  impl_->channel.start();
}

asio::awaitable<Reply> Connection::request(std::string method, Json params,
                                           std::optional<std::chrono::milliseconds> timeout) {
  auto impl = impl_;
  if (impl->channel.closed()) {
    co_return Reply{
        nullptr,
        RpcError{RpcError::Kind::kClosed, 0,
                 impl->channel.close_info().describe("before " + method + " was sent"), nullptr}};
  }
  int64_t id = impl->next_id++;
  auto p = std::make_shared<Pending>(impl->ex, method);
  if (timeout) {
    p->timer.expires_after(*timeout);
  } else {
    p->timer.expires_at(asio::steady_timer::time_point::max());
  }
  impl->pending.emplace(id, p);
  impl->channel.send({{"method", method}, {"id", id}, {"params", std::move(params)}});
  auto [ec] = co_await p->timer.async_wait(kNoThrow);
  impl->pending.erase(id);
  if (p->reply) co_return std::move(*p->reply);
  if (impl->channel.closed()) {
    // Closed while the close handler had not yet run.
    impl->fail_pending(impl->channel.close_info());
    p->reply = Reply{
        nullptr,
        RpcError{RpcError::Kind::kClosed, 0,
                 impl->channel.close_info().describe("while waiting for the answer to " + method),
                 nullptr}};
    co_return std::move(*p->reply);
  }
  RpcError error;
  if (!ec) {
    error.kind = RpcError::Kind::kTimeout;
    error.message = fmt::format("{} did not answer {} within {} ms", impl->options.peer_name,
                                method, timeout ? timeout->count() : 0);
  } else {
    error.kind = RpcError::Kind::kCancelled;
    error.message = "stopped waiting for the answer to " + method;
  }
  co_return Reply{nullptr, std::move(error)};
}

void Connection::notify(std::string method, Json params) {
  impl_->channel.send(make_notification(std::move(method), std::move(params)));
}

void Connection::respond(const Json& id, Json result) {
  impl_->channel.send(make_response(id, std::move(result)));
}

void Connection::respond_error(const Json& id, int code, std::string message) {
  impl_->channel.send(make_error_response(id, code, std::move(message)));
}

void Connection::set_notification_handler(NotificationHandler handler) {
  impl_->on_notification = std::move(handler);
}
void Connection::set_server_request_handler(ServerRequestHandler handler) {
  impl_->on_server_request = std::move(handler);
}
void Connection::set_activity_handler(std::function<void()> handler) {
  impl_->channel.set_activity_handler(std::move(handler));
}

bool Connection::closed() const {
  return impl_->channel.closed();
}
const CloseInfo& Connection::close_info() const {
  return impl_->channel.close_info();
}
std::size_t Connection::malformed_lines() const {
  return impl_->malformed;
}
Transport& Connection::transport() {
  return impl_->channel.transport();
}

asio::awaitable<void> Connection::wait_closed() {
  auto impl = impl_;
  co_await impl->channel.wait_closed();
}

asio::awaitable<void> Connection::shutdown(std::string reason) {
  auto impl = impl_;
  co_await impl->channel.shutdown(std::move(reason));
  impl->fail_pending(impl->channel.close_info());
}

}  // namespace companion::rpc
