// A Transport over the stdio of a child process (`codex app-server`), with its supervision:
// the child leads its own session and process group with a parent-death signal, its stderr tail is
// kept for messages, and it is stopped and reaped on every exit path (close stdin, then SIGTERM to
// the group, then SIGKILL, each step bounded).
#pragma once

#include <sys/types.h>

#include <asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rpc/transport.h"
#include "sys/result.h"

namespace companion::rpc {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up on PATH
  std::string cwd;                // empty: inherit
  std::vector<std::pair<std::string, std::string>> env;  // overrides on top of ours
  std::string display_name = "Codex app-server";         // the child in messages
  std::size_t stderr_limit = 64 * 1024;                  // stderr bytes kept
  std::chrono::milliseconds stop_step{1500};             // each step of the stop sequence
  // stderr lines containing one of these are left out of close messages (known noise).
  std::vector<std::string> stderr_noise;
  // Notice the child's exit by polling even where an exit descriptor exists (the fallback path;
  // for tests).
  bool poll_exit = false;
};

// Keeps the last bytes of a stream: appends past `limit` drop the oldest bytes.
class TailBuffer {
 public:
  explicit TailBuffer(std::size_t limit) : limit_(limit) {}
  void append(std::string_view data);
  const std::string& text() const { return text_; }

 private:
  std::size_t limit_;
  std::string text_;
};

// The last lines of a child's stderr as one line for a message: escape sequences, blank lines
// and lines containing a `noise` fragment dropped, lines joined with " | ", at most `max_chars`
// (the newest text is kept).
std::string summarize_stderr(const std::string& tail, std::size_t max_chars = 800,
                             const std::vector<std::string>& noise = {});

class ChildTransport : public Transport {
 public:
  // Spawns the child. The error names the program when it cannot be started.
  // Note: the parent-death signal fires when the spawning *thread* exits; spawn from a thread
  // that outlives the child (the main thread).
  static Result<std::unique_ptr<ChildTransport>> start(const asio::any_io_executor& executor,
                                                       ChildSpec spec);
  ~ChildTransport() override;

  asio::awaitable<IoResult> read_some(asio::mutable_buffer buffer) override;
  asio::awaitable<IoResult> write(asio::const_buffer data) override;
  asio::awaitable<CloseInfo> close_info(asio::error_code ec) override;
  asio::awaitable<void> shutdown() override;
  void abort() noexcept override;

  pid_t pid() const;
  // The last stderr_limit bytes the child wrote to stderr so far.
  std::string stderr_tail() const;
  // The raw wait status once the child was reaped.
  std::optional<int> exit_status() const;

  struct State;

 private:
  explicit ChildTransport(std::shared_ptr<State> state) : state_(std::move(state)) {}

  std::shared_ptr<State> state_;
};

}  // namespace companion::rpc
