// The byte stream under a Connection: a child's stdio (child_transport.h) or a stream socket
// (stream_transport.h). Asio-based; include only from code that runs an event loop.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/error_code.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace companion::rpc {

struct IoResult {
  asio::error_code ec;
  std::size_t bytes = 0;
};

// Why a connection ended, phrased for the user.
struct CloseInfo {
  std::string reason;           // "Codex app-server exited (exit code 1)"
  std::string detail;           // the peer's last words (a child's stderr tail); may be empty
  bool protocol_error = false;  // we closed it because the peer broke the protocol
  // "<reason> <context>: <detail>", leaving out the parts that are empty.
  std::string describe(std::string_view context = {}) const;
};

// One bidirectional byte stream. Used from one thread (the event loop's); read_some() and
// write() may be outstanding at the same time, but not two reads or two writes.
class Transport {
 public:
  virtual ~Transport() = default;

  // Reads at least one byte. End of stream is an error code (asio::error::eof).
  virtual asio::awaitable<IoResult> read_some(asio::mutable_buffer buffer) = 0;
  // Writes all of `data` or fails.
  virtual asio::awaitable<IoResult> write(asio::const_buffer data) = 0;
  // Why the peer went away, once a read or write failed with `ec`. May wait a bounded time for
  // details (a child's exit status and the rest of its stderr).
  virtual asio::awaitable<CloseInfo> close_info(asio::error_code ec) = 0;
  // Ends the stream: outstanding operations complete with errors, a child process is stopped and
  // reaped. Bounded in time; idempotent.
  virtual asio::awaitable<void> shutdown() = 0;
  // Synchronous last resort for destructors (may block for a bounded time). Idempotent.
  virtual void abort() noexcept = 0;
};

}  // namespace companion::rpc
