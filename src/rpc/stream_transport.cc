#include "rpc/stream_transport.h"

#include <asio/write.hpp>

#include "rpc/event.h"

namespace companion::rpc {

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
