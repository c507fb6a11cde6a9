// A message channel: newline-delimited JSON objects over a Transport, in both directions.
//
// A Channel runs two loops on its executor: a reader that splits lines (bounded, see
// line_codec.h), parses them and hands each JSON object to the message handler, and a writer
// that sends queued lines in order (coalesced into one write when several are waiting).
//   - Lines that are not JSON objects are counted, logged (an excerpt) and handed to the
//     malformed-line handler when one is set; they never close the channel.
//   - A line over the size bound closes the channel (protocol error).
//   - Output is bounded when options.max_queued is set: a send that would queue more bytes than
//     that closes the channel ("<peer> is not reading ..."), so a slow peer costs bounded memory.
//   - The close handler runs once, when the channel closes for any reason; close_info() says why.
// Single-threaded: every member is used from the executor's thread. Handlers run inside the
// reader loop (or inside the call that closed the channel) and must not block; they may call any
// member except the destructor.
// Lifetime: co_await shutdown() before destroying it; destroying it without that aborts the
// transport synchronously (bounded).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "rpc/jsonrpc.h"
#include "rpc/line_codec.h"
#include "rpc/transport.h"

namespace companion::rpc {

struct ChannelOptions {
  std::size_t max_line = kDefaultMaxLine;
  std::size_t max_queued = 0;  // bytes queued for writing; 0: unbounded
  std::string peer_name = "the peer";
  // Diagnostics (skipped lines); may be empty.
  DiagnosticLog log;
};

class Channel {
 public:
  // `message` is a parsed JSON object (the handler may move from it); `line` is its raw text
  // without the newline, valid during the call.
  using MessageHandler = std::function<void(nlohmann::json& message, std::string_view line)>;
  using LineHandler = std::function<void(std::string_view line)>;
  using CloseHandler = std::function<void(const CloseInfo& info)>;

  Channel(const asio::any_io_executor& executor, std::unique_ptr<Transport> transport,
          ChannelOptions options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  void set_message_handler(MessageHandler handler);
  void set_malformed_handler(LineHandler handler);
  void set_close_handler(CloseHandler handler);
  // Called for every chunk of bytes received, before its lines are dispatched.
  void set_activity_handler(std::function<void()> handler);

  // Starts the reader and writer loops. REQUIRES: called once.
  void start();

  // Queues one line (`line` without its newline; the channel adds it). False when the channel is
  // closed, or when the line overflowed options.max_queued (the channel is then closed).
  bool send_line(std::string_view line);
  bool send(const nlohmann::json& message);

  // Closes the channel now: queued output is dropped, the close handler runs with `why`.
  // The transport stays open until shutdown(). Idempotent (the first reason wins).
  void close(CloseInfo why);

  // Waits until the queued output was written (or `limit` passed, or the channel closed).
  asio::awaitable<void> flush(std::chrono::milliseconds limit);

  bool closed() const;
  // REQUIRES: closed().
  const CloseInfo& close_info() const;
  // Completes once the channel is closed (at once when it already is).
  asio::awaitable<void> wait_closed();

  std::size_t queued_bytes() const;
  // Lines skipped because they were not JSON objects.
  std::size_t malformed_lines() const;
  Transport& transport();

  // Closes the channel at once and aborts the transport synchronously (bounded); no handler runs
  // any more. For destructors. Idempotent.
  void abort() noexcept;

  // Closes the channel (with `reason` unless it was closed already), shuts the transport down
  // and waits for both loops to end (bounded). Idempotent.
  asio::awaitable<void> shutdown(std::string reason = "the connection was closed");

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The first 200 bytes of a line for a message, with its size when it was cut.
std::string excerpt(std::string_view line);

}  // namespace companion::rpc
