#include "rpc/stream_transport.h"

#include <asio/write.hpp>

#include "rpc/event.h"
#include "sys/unix_socket.h"

namespace companion::rpc {

Result<std::unique_ptr<StreamTransport>> StreamTransport::connect_unix(
    const asio::any_io_executor& executor, const std::string& path, std::string peer_name) {
  auto fd = sys::connect_unix(path);
  if (!fd) return fd.error();
  // Only a peer of our own uid is trusted (another local user could listen on a path we were
  // given, such as CODEX_COMPANION_APP_SERVER_ENDPOINT).
  auto uid = sys::peer_uid(fd->get());
  if (!uid) return uid.error();
  if (*uid != sys::own_uid()) {
    return make_error("refusing {} at {}: it runs as uid {}, not as you (uid {})", peer_name, path,
                      *uid, sys::own_uid());
  }
  return adopt(executor, std::move(*fd), std::move(peer_name));
}

Result<std::unique_ptr<StreamTransport>> StreamTransport::adopt(
    const asio::any_io_executor& executor, sys::UniqueFd fd, std::string peer_name) {
  asio::local::stream_protocol::socket socket(executor);
  asio::error_code ec;
  socket.assign(asio::local::stream_protocol(), fd.get(), ec);
  if (ec) return make_error("cannot use a socket: {}", ec.message());
  fd.release();
  return std::make_unique<StreamTransport>(std::move(socket), std::move(peer_name));
}

Result<std::string> parse_unix_endpoint(std::string_view endpoint) {
  constexpr std::string_view kPrefix = "unix:";
  if (endpoint.substr(0, kPrefix.size()) != kPrefix || endpoint.size() == kPrefix.size() ||
      endpoint[kPrefix.size()] != '/') {
    return make_error("unsupported broker endpoint '{}'; expected unix:<absolute socket path>",
                      endpoint);
  }
  return std::string(endpoint.substr(kPrefix.size()));
}

StreamTransport::StreamTransport(asio::local::stream_protocol::socket socket, std::string peer_name)
    : socket_(std::move(socket)), peer_name_(std::move(peer_name)) {}

StreamTransport::~StreamTransport() {
  abort();
}

asio::awaitable<IoResult> StreamTransport::read_some(asio::mutable_buffer buffer) {
  auto [ec, n] = co_await socket_.async_read_some(buffer, kNoThrow);
  co_return IoResult{ec, n};
}

asio::awaitable<IoResult> StreamTransport::write(asio::const_buffer data) {
  auto [ec, n] = co_await asio::async_write(socket_, data, kNoThrow);
  co_return IoResult{ec, n};
}

asio::awaitable<CloseInfo> StreamTransport::close_info(asio::error_code ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe) {
    co_return CloseInfo{peer_name_ + " closed the connection", {}};
  }
  co_return CloseInfo{"the connection to " + peer_name_ + " failed (" + ec.message() + ")", {}};
}

asio::awaitable<void> StreamTransport::shutdown() {
  abort();
  co_return;
}

void StreamTransport::abort() noexcept {
  asio::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

}  // namespace companion::rpc
