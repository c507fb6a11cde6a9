// A Transport over a connected stream socket (unix socket, socketpair).
#pragma once

#include <asio/local/stream_protocol.hpp>
#include <string>

#include "rpc/transport.h"

namespace companion::rpc {

class StreamTransport : public Transport {
 public:
  // `peer_name` names the other end in messages ("the broker").
  StreamTransport(asio::local::stream_protocol::socket socket, std::string peer_name);
  ~StreamTransport() override;

  asio::awaitable<IoResult> read_some(asio::mutable_buffer buffer) override;
  asio::awaitable<IoResult> write(asio::const_buffer data) override;
  asio::awaitable<CloseInfo> close_info(asio::error_code ec) override;
  asio::awaitable<void> shutdown() override;
  void abort() noexcept override;

 private:
  asio::local::stream_protocol::socket socket_;
  std::string peer_name_;
};

}  // namespace companion::rpc
