// Daemon: accepting clients (same uid only) and serving them through the Router.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/local/stream_protocol.hpp>

#include "broker/daemon_impl.h"
#include "codex/broker_protocol.h"
#include "rpc/jsonrpc.h"
#include "rpc/stream_transport.h"
#include "sys/unix_socket.h"

namespace companion::broker {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;

asio::awaitable<void> Daemon::Impl::accept_loop() {
  while (listening && !stop.is_set()) {
    auto [ec] =
        co_await acceptor.async_wait(asio::posix::descriptor_base::wait_read, rpc::kNoThrow);
    if (ec || !listening || stop.is_set()) break;
    for (;;) {
      auto fd = sys::accept_unix(acceptor.native_handle());
      if (!fd) {
        log("{}", fd.error().message);  // such as EMFILE: try again on the next wake-up
        co_await rpc::sleep_for(std::chrono::milliseconds(50));
        break;
      }
      if (!fd->valid()) break;
      admit(std::move(*fd));
    }
  }
}

// One error line, written without waiting (the socket buffer of a fresh connection holds it).
// The connection then stays open for a moment, its input discarded, so that the peer reads the
// line before the end of the stream (closing with unread input would reset the connection).
void Daemon::Impl::refuse_peer(sys::UniqueFd fd, const std::string& message) {
  std::string line = rpc::encode_message(rpc::make_error_response(
      nullptr, codex::kBrokerRefused, "codex-companion broker: " + message));
  sys::send_now(fd.get(), line);
  auto socket = std::make_shared<asio::local::stream_protocol::socket>(ex);
  asio::error_code ec;
  socket->assign(asio::local::stream_protocol(), fd.release(), ec);
  if (ec) return;
  socket->shutdown(asio::socket_base::shutdown_send, ec);
  asio::co_spawn(
      ex,
      [socket]() -> asio::awaitable<void> {
        constexpr std::size_t kMaxDiscarded = 64 * 1024;
        auto drain = [&]() -> asio::awaitable<void> {
          char buffer[4096];
          for (std::size_t total = 0; total < kMaxDiscarded;) {
            auto [read_ec, n] =
                co_await socket->async_read_some(asio::buffer(buffer), rpc::kNoThrow);
            if (read_ec) break;
            total += n;
          }
        };
        co_await (drain() || rpc::sleep_for(std::chrono::seconds(1)));
        asio::error_code ignored;
        socket->close(ignored);
      },
      asio::detached);
}

void Daemon::Impl::admit(sys::UniqueFd fd) {
  auto uid = sys::peer_uid(fd.get());
  if (!uid || *uid != sys::own_uid()) {
    std::string who = uid ? "uid " + std::to_string(*uid) : "a peer of unknown uid";
    log("refused a client: {}", who);
    refuse_peer(std::move(fd), "refused " + who + "; only uid " + std::to_string(sys::own_uid()) +
                                   " may use this broker");
    return;
  }
  if (clients.size() >= options.max_clients) {
    log("refused a client: {} clients already", clients.size());
    refuse_peer(std::move(fd), "too many clients; try again later");
    return;
  }
  auto transport = rpc::StreamTransport::adopt(ex, std::move(fd), "a broker client");
  if (!transport) {
    log("{}", transport.error().message);
    return;
  }
  ClientId id = next_client++;
  rpc::ChannelOptions channel_options;
  channel_options.max_queued = options.max_client_queue;
  channel_options.peer_name = "broker client " + std::to_string(id);
  auto channel = std::make_unique<rpc::Channel>(ex, std::move(*transport), channel_options);
  channel->set_message_handler([this, id](Json& message, std::string_view line) {
    router.from_client(id, message, line, steady_ms());
  });
  channel->set_malformed_handler(
      [this, id](std::string_view line) { router.malformed_from_client(id, line); });
  channel->set_close_handler([this, id](const rpc::CloseInfo& info) {
    if (info.protocol_error) log("disconnected client {}: {}", id, info.describe());
    client_closed(id);
  });
  router.client_connected(id);
  channel->start();
  clients.emplace(id, std::move(channel));
}

void Daemon::Impl::to_client(ClientId client, std::string_view line) {
  auto it = clients.find(client);
  if (it != clients.end()) it->second->send_line(line);
}

// The client's channel closed (it left, broke the protocol or did not read): its turns are
// interrupted and its threads released by the Router; the channel is shut down and forgotten.
void Daemon::Impl::client_closed(ClientId id) {
  router.client_gone(id);
  auto it = clients.find(id);
  if (it == clients.end() || shutdown) return;  // close_clients() owns them now
  std::shared_ptr<rpc::Channel> channel(std::move(it->second));
  clients.erase(it);
  asio::co_spawn(
      ex, [channel]() -> asio::awaitable<void> { co_await channel->shutdown(); }, asio::detached);
}

asio::awaitable<void> Daemon::Impl::close_clients(std::chrono::milliseconds flush_limit) {
  auto all = std::move(clients);
  clients.clear();
  auto deadline = std::chrono::steady_clock::now() + flush_limit;
  for (auto& [id, channel] : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() > 0) co_await channel->flush(left);
    co_await channel->shutdown("the broker shut down");
  }
}

}  // namespace companion::broker
