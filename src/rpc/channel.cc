#include "rpc/channel.h"

#include <fmt/format.h>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <exception>
#include <vector>

#include "rpc/event.h"
#include "rpc/jsonrpc.h"
#include "sys/json_read.h"

namespace companion::rpc {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kLoggedPrefix = 200;
// An output buffer keeps at most this much capacity once it is empty again.
constexpr std::size_t kKeptCapacity = 256 * 1024;

}  // namespace

std::string excerpt(std::string_view line) {
  if (line.size() <= kLoggedPrefix) return std::string(line);
  return fmt::format("{}... ({} bytes)", line.substr(0, kLoggedPrefix), line.size());
}

struct Channel::Impl : std::enable_shared_from_this<Channel::Impl> {
  Impl(const asio::any_io_executor& executor, std::unique_ptr<Transport> t, ChannelOptions o)
      : ex(executor),
        transport(std::move(t)),
        options(std::move(o)),
        codec(options.max_line),
        write_wake(executor, asio::steady_timer::time_point::max()),
        closed_event(executor),
        drained(executor),
        reader_done(executor),
        writer_done(executor) {
    drained.set();
  }

  asio::any_io_executor ex;
  std::unique_ptr<Transport> transport;
  ChannelOptions options;
  LineCodec codec;
  std::string out;      // queued, not yet handed to the transport
  std::string writing;  // being written
  asio::steady_timer write_wake;
  Event closed_event, drained, reader_done, writer_done;
  bool started = false, closing = false, closed = false, stopping = false;
  CloseInfo info;
  std::size_t malformed = 0;
  MessageHandler on_message;
  LineHandler on_malformed;
  CloseHandler on_close;
  std::function<void()> on_activity;

  template <class... Args>
  void log(DiagnosticKind kind, fmt::format_string<Args...> format, Args&&... args) {
    if (options.log) options.log(kind, fmt::format(format, std::forward<Args>(args)...));
  }

  template <class Call>
  void guarded(const char* what, Call&& call) {
    try {
      call();
    } catch (const std::exception& e) {
      log(DiagnosticKind::kHandlerFailed, "the {} handler failed: {}", what, e.what());
    }
  }

  bool send_line(std::string_view line) {
    if (closed) return false;
    if (options.max_queued != 0 &&
        out.size() + writing.size() + line.size() + 1 > options.max_queued) {
      close_with({fmt::format("{} is not reading its messages (more than {} queued)",
                              options.peer_name, describe_size(options.max_queued)),
                  {},
                  true});
      return false;
    }
    out.append(line);
    out.push_back('\n');
    drained.reset();
    write_wake.cancel();
    return true;
  }

  void close_with(CloseInfo why) {
    if (closed) return;
    closed = true;
    info = std::move(why);
    out.clear();
    out.shrink_to_fit();
    write_wake.cancel();
    closed_event.set();
    drained.set();
    if (on_close) {
      // Never inside the call that closed the channel: callers may be in the middle of a
      // dispatch that is not ready for re-entry. A Channel destroyed meanwhile drops the call.
      asio::post(ex, [self = shared_from_this()] {
        if (self->on_close) self->guarded("close", [&] { self->on_close(self->info); });
      });
    }
  }

  asio::awaitable<void> fail_from_transport(asio::error_code ec) {
    if (closed || closing || stopping) co_return;
    closing = true;
    CloseInfo why = co_await transport->close_info(ec);
    close_with(std::move(why));
  }

  void dispatch(const std::string& line) {
    // Bounded nesting: copying or dumping a value recurses once per level (sys/json_read.h).
    Json message = sys::parse_json(line);
    if (message.is_discarded() || !message.is_object()) {
      ++malformed;
      log(DiagnosticKind::kSkipped, "skipped a line that is not a JSON object: {}", excerpt(line));
      if (on_malformed) guarded("malformed line", [&] { on_malformed(line); });
      return;
    }
    if (on_message) guarded("message", [&] { on_message(message, line); });
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
      if (out.empty()) {
        drained.set();
        co_await write_wake.async_wait(kNoThrow);
        continue;
      }
      writing.swap(out);
      IoResult r = co_await transport->write(asio::buffer(writing));
      writing.clear();
      if (writing.capacity() > kKeptCapacity) writing.shrink_to_fit();
      if (r.ec) {
        co_await fail_from_transport(r.ec);
        break;
      }
    }
    drained.set();
    writer_done.set();
  }
};

Channel::Channel(const asio::any_io_executor& executor, std::unique_ptr<Transport> transport,
                 ChannelOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(transport), std::move(options))) {}

Channel::~Channel() {
  abort();
}

void Channel::abort() noexcept {
  if (impl_->stopping) return;
  impl_->stopping = true;
  impl_->on_close = nullptr;
  impl_->on_message = nullptr;
  impl_->close_with({"the connection was dropped", {}});
  impl_->transport->abort();
}

void Channel::set_message_handler(MessageHandler handler) {
  impl_->on_message = std::move(handler);
}
void Channel::set_malformed_handler(LineHandler handler) {
  impl_->on_malformed = std::move(handler);
}
void Channel::set_close_handler(CloseHandler handler) {
  impl_->on_close = std::move(handler);
}
void Channel::set_activity_handler(std::function<void()> handler) {
  impl_->on_activity = std::move(handler);
}

void Channel::start() {
  auto impl = impl_;
  impl->started = true;
  asio::co_spawn(
      impl->ex, [impl]() { return impl->read_loop(); }, asio::detached);
  asio::co_spawn(
      impl->ex, [impl]() { return impl->write_loop(); }, asio::detached);
}

bool Channel::send_line(std::string_view line) {
  return impl_->send_line(line);
}

bool Channel::send(const Json& message) {
  return impl_->send_line(message_text(message));
}

void Channel::close(CloseInfo why) {
  impl_->close_with(std::move(why));
}

asio::awaitable<void> Channel::flush(std::chrono::milliseconds limit) {
  auto impl = impl_;
  if (impl->closed || !impl->started) co_return;
  co_await (impl->drained.wait() || impl->closed_event.wait() || sleep_for(limit));
}

bool Channel::closed() const {
  return impl_->closed;
}
const CloseInfo& Channel::close_info() const {
  return impl_->info;
}
asio::awaitable<void> Channel::wait_closed() {
  auto impl = impl_;
  co_await impl->closed_event.wait();
}
std::size_t Channel::queued_bytes() const {
  return impl_->out.size() + impl_->writing.size();
}
std::size_t Channel::malformed_lines() const {
  return impl_->malformed;
}
Transport& Channel::transport() {
  return *impl_->transport;
}

asio::awaitable<void> Channel::shutdown(std::string reason) {
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
