#include "rpc/connection.h"

#include <fmt/format.h>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <deque>
#include <exception>
#include <map>
#include <vector>

#include "rpc/event.h"

namespace companion::rpc {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;

std::string encode_message(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kLoggedPrefix = 200;

struct Pending {
  Pending(const asio::any_io_executor& ex, std::string m) : timer(ex), method(std::move(m)) {}
  asio::steady_timer timer;
  std::string method;
  std::optional<Reply> reply;
};

std::string excerpt(std::string_view line) {
  if (line.size() <= kLoggedPrefix) return std::string(line);
  return fmt::format("{}... ({} bytes)", line.substr(0, kLoggedPrefix), line.size());
}

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

}  // namespace

struct Connection::Impl {
  Impl(const asio::any_io_executor& executor, std::unique_ptr<Transport> t, ConnectionOptions o)
      : ex(executor),
        transport(std::move(t)),
        options(std::move(o)),
        codec(options.max_line),
        write_wake(executor, asio::steady_timer::time_point::max()),
        closed_event(executor),
        reader_done(executor),
        writer_done(executor) {}

  asio::any_io_executor ex;
  std::unique_ptr<Transport> transport;
  ConnectionOptions options;
  LineCodec codec;
  int64_t next_id = 1;
  std::map<int64_t, std::shared_ptr<Pending>> pending;
  std::deque<std::string> outbox;
  asio::steady_timer write_wake;
  Event closed_event, reader_done, writer_done;
  bool started = false, closing = false, closed = false, stopping = false;
  CloseInfo info;
  std::size_t malformed = 0;
  NotificationHandler on_notification;
  ServerRequestObserver on_server_request;
  std::function<void()> on_activity;

  template <class... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    if (options.log) options.log(fmt::format(format, std::forward<Args>(args)...));
  }

  void send(const Json& message) {
    if (closed) return;
    outbox.push_back(encode_message(message));
    write_wake.cancel();
  }

  void close_with(CloseInfo why) {
    if (closed) return;
    closed = true;
    info = std::move(why);
    outbox.clear();
    auto waiting = std::move(pending);
    pending.clear();
    for (auto& [id, p] : waiting) {
      RpcError error{RpcError::Kind::kClosed, 0,
                     info.describe("while waiting for the answer to " + p->method), nullptr};
      p->reply = Reply{nullptr, std::move(error)};
      p->timer.cancel();
    }
    write_wake.cancel();
    closed_event.set();
  }

  asio::awaitable<void> fail_from_transport(asio::error_code ec) {
    if (closed || closing || stopping) co_return;
    closing = true;
    CloseInfo why = co_await transport->close_info(ec);
    close_with(std::move(why));
  }

  void guarded(const char* what, const std::function<void()>& call) {
    try {
      call();
    } catch (const std::exception& e) {
      log("the {} handler failed: {}", what, e.what());
    }
  }

  void handle_response(const Json& message) {
    const Json& id = message["id"];
    if (!id.is_number_integer()) {
      ++malformed;
      log("skipped a response with an unexpected id: {}", excerpt(message.dump()));
      return;
    }
    auto it = pending.find(id.get<int64_t>());
    if (it == pending.end()) {
      log("skipped a response to unknown request {}", id.dump());
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

  void handle_server_request(const std::string& method, const Json& message) {
    Json params = message.contains("params") ? message["params"] : Json::object();
    ServerAnswer answer = answer_server_request(method, params);
    Json response = {{"id", message["id"]}};
    if (answer.is_error) {
      response["error"] = {{"code", answer.code}, {"message", answer.message}};
    } else {
      response["result"] = answer.result;
    }
    send(response);
    log("{}", answer.summary);
    if (on_server_request) {
      guarded("server request", [&] { on_server_request(method, params, answer); });
    }
  }

  void dispatch(const std::string& line) {
    Json message = Json::parse(line, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      ++malformed;
      log("skipped a line that is not a JSON object: {}", excerpt(line));
      return;
    }
    auto method = message.find("method");
    bool has_method = method != message.end() && method->is_string();
    bool has_id = message.contains("id") && !message["id"].is_null();
    if (has_method && has_id) {
      handle_server_request(method->get<std::string>(), message);
    } else if (has_method) {
      if (!on_notification) return;
      Json params = message.contains("params") ? message["params"] : Json::object();
      guarded("notification", [&] { on_notification(method->get<std::string>(), params); });
    } else if (has_id && (message.contains("result") || message.contains("error"))) {
      handle_response(message);
    } else {
      ++malformed;
      log("skipped a line that is not a JSON-RPC message: {}", excerpt(line));
    }
  }

  asio::awaitable<void> read_loop() {
    std::vector<char> buffer(kReadChunk);
    std::vector<std::string> lines;
    while (!closed && !stopping) {
      IoResult r = co_await transport->read_some(asio::buffer(buffer));
      if (r.bytes > 0 && on_activity) guarded("activity", on_activity);
      lines.clear();
      Status fed = codec.feed(std::string_view(buffer.data(), r.bytes), lines);
      for (const auto& line : lines) {
        if (closed || stopping) break;
        dispatch(line);
      }
      if (!fed.ok() && !closed) {
        close_with({fmt::format("{} sent a line longer than the {} limit", options.peer_name,
                                describe_size(codec.max_line())),
                    {},
                    true});
      }
      if (r.ec) {
        co_await fail_from_transport(r.ec);
        break;
      }
    }
    reader_done.set();
  }

  asio::awaitable<void> write_loop() {
    while (!closed && !stopping) {
      if (outbox.empty()) {
        co_await write_wake.async_wait(kNoThrow);
        continue;
      }
      std::string message = std::move(outbox.front());
      outbox.pop_front();
      IoResult r = co_await transport->write(asio::buffer(message));
      if (r.ec) {
        co_await fail_from_transport(r.ec);
        break;
      }
    }
    writer_done.set();
  }
};

Connection::Connection(const asio::any_io_executor& executor, std::unique_ptr<Transport> transport,
                       ConnectionOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(transport), std::move(options))) {}

Connection::~Connection() {
  if (impl_->stopping) return;
  impl_->stopping = true;
  impl_->close_with({"the connection was dropped", {}});
  impl_->transport->abort();
}

void Connection::start() {
  auto impl = impl_;
  impl->started = true;
  asio::co_spawn(
      impl->ex, [impl]() { return impl->read_loop(); }, asio::detached);
  asio::co_spawn(
      impl->ex, [impl]() { return impl->write_loop(); }, asio::detached);
}

asio::awaitable<Reply> Connection::request(std::string method, Json params,
                                           std::optional<std::chrono::milliseconds> timeout) {
  auto impl = impl_;
  if (impl->closed) {
    co_return Reply{nullptr,
                    RpcError{RpcError::Kind::kClosed, 0,
                             impl->info.describe("before " + method + " was sent"), nullptr}};
  }
  int64_t id = impl->next_id++;
  auto p = std::make_shared<Pending>(impl->ex, method);
  if (timeout) {
    p->timer.expires_after(*timeout);
  } else {
    p->timer.expires_at(asio::steady_timer::time_point::max());
  }
  impl->pending.emplace(id, p);
  impl->send({{"method", method}, {"id", id}, {"params", std::move(params)}});
  auto [ec] = co_await p->timer.async_wait(kNoThrow);
  impl->pending.erase(id);
  if (p->reply) co_return std::move(*p->reply);
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
  impl_->send({{"method", std::move(method)}, {"params", std::move(params)}});
}

void Connection::set_notification_handler(NotificationHandler handler) {
  impl_->on_notification = std::move(handler);
}
void Connection::set_server_request_observer(ServerRequestObserver observer) {
  impl_->on_server_request = std::move(observer);
}
void Connection::set_activity_handler(std::function<void()> handler) {
  impl_->on_activity = std::move(handler);
}

bool Connection::closed() const {
  return impl_->closed;
}
const CloseInfo& Connection::close_info() const {
  return impl_->info;
}
std::size_t Connection::malformed_lines() const {
  return impl_->malformed;
}
Transport& Connection::transport() {
  return *impl_->transport;
}

asio::awaitable<void> Connection::wait_closed() {
  auto impl = impl_;
  co_await impl->closed_event.wait();
}

asio::awaitable<void> Connection::shutdown(std::string reason) {
  auto impl = impl_;
  bool first = !impl->stopping;
  impl->stopping = true;
  impl->close_with({std::move(reason), {}});
  if (first) co_await impl->transport->shutdown();
  impl->write_wake.cancel();
  if (!impl->started) co_return;
  constexpr auto kLoopEnd = std::chrono::seconds(3);
  co_await (impl->reader_done.wait() || sleep_for(kLoopEnd));
  co_await (impl->writer_done.wait() || sleep_for(kLoopEnd));
}

}  // namespace companion::rpc
