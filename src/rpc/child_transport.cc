#include "rpc/child_transport.h"

#include <signal.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/write.hpp>

#include "rpc/event.h"
#include "sys/child.h"
#include "sys/process.h"

namespace companion::rpc {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Millis = std::chrono::milliseconds;

void TailBuffer::append(std::string_view data) {
  if (data.size() >= limit_) {
    text_.assign(data.substr(data.size() - limit_));
    return;
  }
  std::size_t keep = limit_ - data.size();
  if (text_.size() > keep) text_.erase(0, text_.size() - keep);
  text_.append(data);
}

namespace {

// Drops ANSI escape sequences (ESC [ ... final byte) and other control bytes but tabs.
std::string strip_controls(std::string_view line) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == 0x1b) {
      if (i + 1 < line.size() && line[i + 1] == '[') {
        i += 2;
        while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e)) ++i;
      }
      continue;
    }
    if (c < 0x20 && c != '\t') continue;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool is_noise(const std::string& line, const std::vector<std::string>& noise) {
  // Anywhere in the line: Codex prefixes some of its notices with a time stamp and a level.
  for (const auto& fragment : noise) {
    if (line.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string summarize_stderr(const std::string& tail, std::size_t max_chars,
                             const std::vector<std::string>& noise) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < tail.size()) {
    std::size_t end = tail.find('\n', start);
    if (end == std::string::npos) end = tail.size();
    std::string line = trim(strip_controls(std::string_view(tail).substr(start, end - start)));
    if (!line.empty() && !is_noise(line, noise)) lines.push_back(std::move(line));
    start = end + 1;
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string joined = out.empty() ? *it : *it + " | " + out;
    if (joined.size() > max_chars) {
      if (out.empty()) out = "..." + it->substr(it->size() - (max_chars - 3));
      break;
    }
    out = std::move(joined);
  }
  return out;
}

struct ChildTransport::State {
  explicit State(const asio::any_io_executor& ex, ChildSpec s)
      : spec(std::move(s)),
        in(ex),
        out(ex),
        err(ex),
        exit_watch(ex),
        grace(ex),
        exited(ex),
        stderr_done(ex),
        stderr_tail(spec.stderr_limit) {}

  ChildSpec spec;
  pid_t pid = -1;
  asio::posix::stream_descriptor in;   // the child's stdin (we write)
  asio::posix::stream_descriptor out;  // the child's stdout (we read)
  asio::posix::stream_descriptor err;  // the child's stderr (we read)
  asio::posix::stream_descriptor exit_watch;
  asio::steady_timer grace;  // between the child's exit and closing our end of its stdout
  Event exited;
  Event stderr_done;
  TailBuffer stderr_tail;
  std::optional<int> status;
  bool stopping = false;
  bool finished = false;  // stopped, reaped and its group found empty

  bool reap() {
    if (status) return true;
    if (auto st = sys::try_reap(pid)) {
      status = *st;
      exited.set();
    }
    return status.has_value();
  }

  void close_all() {
    asio::error_code ignored;
    in.close(ignored);
    out.close(ignored);
    err.close(ignored);
    exit_watch.close(ignored);
    grace.cancel();
  }
};

namespace {

using State = ChildTransport::State;

asio::awaitable<void> drain_stderr(std::shared_ptr<State> state) {
  char buffer[4096];
  for (;;) {
    auto [ec, n] = co_await state->err.async_read_some(asio::buffer(buffer), kNoThrow);
    if (n > 0) state->stderr_tail.append(std::string_view(buffer, n));
    if (ec) break;
  }
  state->stderr_done.set();
}

// Notices the child's exit (pidfd, else polling). When the child is gone but its stdout stays
// open (a grandchild still holds it), closes our end after a short grace so readers end.
asio::awaitable<void> watch_exit(std::shared_ptr<State> state) {
  while (!state->reap()) {
    if (state->exit_watch.is_open()) {
      auto [ec] =
          co_await state->exit_watch.async_wait(asio::posix::descriptor_base::wait_read, kNoThrow);
      if (ec) {
        if (state->stopping) co_return;
        asio::error_code ignored;
        state->exit_watch.close(ignored);  // fall back to polling
      }
    } else {
      if (state->stopping && !state->out.is_open()) co_return;
      co_await sleep_for(Millis(50));
    }
  }
  if (!state->out.is_open()) co_return;
  state->grace.expires_after(Millis(150));
  co_await state->grace.async_wait(kNoThrow);
  asio::error_code ignored;
  state->out.close(ignored);
}

asio::awaitable<bool> wait_exit_for(std::shared_ptr<State> state, Millis timeout) {
  if (state->reap()) co_return true;
  if (state->exit_watch.is_open()) {
    co_await (state->exited.wait() || sleep_for(timeout));
    co_return state->reap();
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;  // no exit descriptor: poll
  while (!state->reap() && std::chrono::steady_clock::now() < deadline) {
    co_await sleep_for(Millis(20));
  }
  co_return state->reap();
}

}  // namespace

Result<std::unique_ptr<ChildTransport>> ChildTransport::start(const asio::any_io_executor& ex,
                                                              ChildSpec spec) {
  sys::ignore_sigpipe();
  auto stdin_pipe = sys::make_pipe();
  if (!stdin_pipe) return stdin_pipe.error();
  auto stdout_pipe = sys::make_pipe();
  if (!stdout_pipe) return stdout_pipe.error();
  auto stderr_pipe = sys::make_pipe();
  if (!stderr_pipe) return stderr_pipe.error();
  sys::SpawnOptions options;
  options.argv = spec.argv;
  options.cwd = spec.cwd;
  options.env = spec.env;
  options.stdin_fd = stdin_pipe->first.get();
  options.stdout_fd = stdout_pipe->second.get();
  options.stderr_fd = stderr_pipe->second.get();
  // Its own session (and so its own process group): whatever it starts that leaves the group (Codex
  // gives each MCP server a group of its own) stays in the session, where a reader that finds
  // the owner dead can still end it (sys::end_orphaned_session).
  options.new_session = true;
  options.die_with_parent = true;
  auto pid = sys::spawn_supervised(options);
  if (!pid) return pid.error();
  auto state = std::make_shared<State>(ex, std::move(spec));
  state->pid = *pid;
  state->in.assign(stdin_pipe->second.release());
  state->out.assign(stdout_pipe->first.release());
  state->err.assign(stderr_pipe->first.release());
  if (!state->spec.poll_exit) {
    if (auto watch = sys::open_exit_fd(*pid)) state->exit_watch.assign(watch->release());
  }
  asio::co_spawn(ex, drain_stderr(state), asio::detached);
  asio::co_spawn(ex, watch_exit(state), asio::detached);
  return std::unique_ptr<ChildTransport>(new ChildTransport(std::move(state)));
}

ChildTransport::~ChildTransport() {
  abort();
}

pid_t ChildTransport::pid() const {
  return state_->pid;
}
std::string ChildTransport::stderr_tail() const {
  return state_->stderr_tail.text();
}
std::optional<int> ChildTransport::exit_status() const {
  return state_->status;
}

asio::awaitable<IoResult> ChildTransport::read_some(asio::mutable_buffer buffer) {
  if (!state_->out.is_open()) co_return IoResult{asio::error::eof, 0};
  auto [ec, n] = co_await state_->out.async_read_some(buffer, kNoThrow);
  // Our end closed by watch_exit: the child is gone, which is an end of stream.
  if (ec == asio::error::operation_aborted && !state_->stopping) ec = asio::error::eof;
  if (ec == asio::error::bad_descriptor) ec = asio::error::eof;
  co_return IoResult{ec, n};
}

asio::awaitable<IoResult> ChildTransport::write(asio::const_buffer data) {
  if (!state_->in.is_open()) co_return IoResult{asio::error::broken_pipe, 0};
  auto [ec, n] = co_await asio::async_write(state_->in, data, kNoThrow);
  co_return IoResult{ec, n};
}

asio::awaitable<CloseInfo> ChildTransport::close_info(asio::error_code ec) {
  auto state = state_;
  co_await wait_exit_for(state, Millis(1000));
  co_await (state->stderr_done.wait() || sleep_for(Millis(300)));
  const std::string& name = state->spec.display_name;
  CloseInfo info;
  if (state->status) {
    info.reason = name + " exited (" + sys::describe_wait_status(*state->status) + ")";
  } else if (ec == asio::error::eof) {
    info.reason = name + " closed its output";
  } else {
    info.reason = name + " connection failed (" + ec.message() + ")";
  }
  info.detail = summarize_stderr(state->stderr_tail.text(), 800, state->spec.stderr_noise);
  co_return info;
}

asio::awaitable<void> ChildTransport::shutdown() {
  auto state = state_;
  if (state->stopping) co_return;
  state->stopping = true;
  asio::error_code ignored;
  state->in.close(ignored);   // the app-server exits by itself at the end of its input,
  state->out.close(ignored);  // and a child blocked writing to us gets EPIPE instead
  const Millis step = state->spec.stop_step;
  if (!co_await wait_exit_for(state, step)) {
    (void)sys::signal_supervised_group(state->pid, SIGTERM);
    if (!co_await wait_exit_for(state, step)) {
      (void)sys::signal_supervised_group(state->pid, SIGKILL);
      co_await wait_exit_for(state, step);
    }
  }
  // Whatever is left of the group (a grandchild whose parent died) goes too.
  if (sys::process_group_alive(state->pid)) (void)sys::signal_supervised_group(state->pid, SIGKILL);
  co_await (state->stderr_done.wait() || sleep_for(Millis(200)));
  state->close_all();
  state->finished = state->status.has_value();
}

void ChildTransport::abort() noexcept {
  auto& state = *state_;
  if (state.finished) return;
  state.stopping = true;
  asio::error_code ignored;
  state.in.close(ignored);
  if (!state.reap()) {
    (void)sys::signal_supervised_group(state.pid, SIGTERM);
    if (auto st = sys::reap_within(state.pid, 500)) state.status = *st;
    if (!state.status) {
      (void)sys::signal_supervised_group(state.pid, SIGKILL);
      if (auto st = sys::reap_within(state.pid, 1500)) state.status = *st;
    }
  }
  if (sys::process_group_alive(state.pid)) (void)sys::signal_supervised_group(state.pid, SIGKILL);
  state.close_all();
  state.finished = state.status.has_value();
}

}  // namespace companion::rpc
