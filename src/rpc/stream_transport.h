// A Transport over a connected stream socket (unix socket, socketpair).
#pragma once

#include <asio/local/stream_protocol.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "rpc/transport.h"
#include "sys/fd.h"
#include "sys/result.h"

namespace companion::rpc {

class StreamTransport : public Transport {
 public:
  // Connects to the unix socket at `path` (never blocks: see sys::connect_unix). A listener of
  // another uid is refused.
  static Result<std::unique_ptr<StreamTransport>> connect_unix(
      const asio::any_io_executor& executor, const std::string& path, std::string peer_name);
  // Takes over a connected socket descriptor.
  static Result<std::unique_ptr<StreamTransport>> adopt(const asio::any_io_executor& executor,
                                                        sys::UniqueFd fd, std::string peer_name);

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

// The socket path of a broker endpoint "unix:<absolute path>"; anything else is an error that
// names the expected form.
Result<std::string> parse_unix_endpoint(std::string_view endpoint);

}  // namespace companion::rpc
