// Daemon: starting the app-server, listening, the run loop and the shutdown sequence (clients
// are in daemon_clients.cc).
#include "broker/daemon.h"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <chrono>

#include "broker/daemon_impl.h"
#include "codex/app_server.h"
#include "codex/auth_status.h"
#include "codex/broker_protocol.h"
#include "codex/protocol.h"
#include "rpc/jsonrpc.h"
#include "sys/clock.h"
#include "sys/env.h"
#include "sys/fs.h"
#include "sys/unix_socket.h"

namespace companion::broker {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

namespace {

constexpr const char* kInitializeId = "broker-initialize";
constexpr auto kClientFlush = Millis(500);

}  // namespace

int64_t steady_ms() {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Daemon::Impl::Impl(const asio::any_io_executor& executor, sys::Env& e, DaemonOptions o)
    : ex(executor),
      env(e),
      options(std::move(o)),
      router(*this, RouterOptions{options.server_request_timeout_ms}),
      initialized(executor),
      acceptor(executor),
      stop(executor) {}

void Daemon::Impl::to_app_server(std::string_view line) {
  if (app_server) app_server->send_line(line);
}

void Daemon::Impl::shut_down(const Shutdown& why) {
  if (shutdown) return;
  shutdown = why;
  log("shutting down: {}", why.reason);
  stop.set();
}

asio::awaitable<Status> Daemon::Impl::start_app_server() {
  codex::AppServerOptions app_options;
  app_options.codex = options.codex;
  app_options.cwd = options.cwd;
  app_options.stop_step = options.stop_step;
  auto child = codex::start_app_server_process(ex, app_options);
  if (!child) co_return child.error();
  app_server_pid = (*child)->pid();
  auto started = env.process_info(app_server_pid);
  app_server_start_time = started ? started->start_time : 0;
  rpc::ChannelOptions channel_options;
  channel_options.peer_name = "Codex app-server";
  channel_options.log = [log = options.log](rpc::DiagnosticKind, std::string_view line) {
    if (log) log(line);
  };
  app_server = std::make_unique<rpc::Channel>(ex, std::move(*child), channel_options);
  app_server->set_message_handler(
      [this](Json& message, std::string_view line) { on_app_server_message(message, line); });
  app_server->set_close_handler([this](const rpc::CloseInfo& info) {
    // It died (we did not stop it): what it started and left (an MCP server it gave a process
    // group of its own) goes before anyone is told, as a direct run's owner ends it before
    // recording the job's end. When we stop it, it gets its graceful exit first (run()).
    if (!shutdown) end_app_server_session();
    std::string reason = info.describe();
    if (!initialize_result) initialize_error = reason;
    initialized.set();
    shut_down({reason, codex::kCauseAppServerExited, 1});
  });
  app_server->start();
  Json request = {
      {"id", kInitializeId}, {"method", "initialize"}, {"params", codex::initialize_params()}};
  app_server->send(request);
  co_await (initialized.wait() || rpc::sleep_for(Millis(options.initialize_timeout_ms)));
  if (!initialize_result) {
    std::string why = !initialize_error.empty()
                          ? initialize_error
                          : fmt::format("no answer within {} ms", options.initialize_timeout_ms);
    app_server->set_close_handler(nullptr);
    co_await app_server->shutdown("the broker could not start");
    end_app_server_session();
    co_return make_error("the Codex app-server did not initialize: {}", why);
  }
  app_server->send(rpc::make_notification("initialized", Json::object()));
  router.set_initialize_result(*initialize_result);
  co_return Status();
}

void Daemon::Impl::on_app_server_message(Json& message, std::string_view line) {
  if (!initialize_result && rpc::classify(message) == rpc::MessageKind::kResponse &&
      message["id"] == kInitializeId) {
    if (message.contains("result") && message["result"].is_object()) {
      initialize_result = std::move(message["result"]);
    } else {
      initialize_error = "it answered initialize with " + rpc::excerpt(line);
    }
    initialized.set();
    return;
  }
  router.from_app_server(message, line, steady_ms());
}

Status Daemon::Impl::check_socket_path() {
  const std::string& path = options.socket_path;
  if (path.size() > sys::max_socket_path()) {
    return make_error("the socket path {} is {} bytes long; at most {} are possible", path,
                      path.size(), sys::max_socket_path());
  }
  COMPANION_TRY(env.ensure_private_dir(sys::dirname_of(path)));
  if (!env.path_exists(path)) return {};
  if (sys::connect_unix(path)) return make_error("another broker already listens on {}", path);
  return env.remove_file(path);  // stale: nobody listens there
}

Status Daemon::Impl::listen() {
  auto fd = sys::listen_unix(options.socket_path);
  if (!fd) return fd.error();
  files_written = true;
  asio::error_code ec;
  acceptor.assign(fd->release(), ec);
  if (ec) return make_error("cannot watch the broker socket: {}", ec.message());
  listening = true;
  if (!options.pid_file.empty()) {
    // "<pid> <start time>": with the start time a reader can tell this broker from a process
    // that got its pid later (broker::tear_down of a broker whose launcher died unrecorded).
    auto self = env.process_info(env.self_pid());
    COMPANION_TRY(env.write_file_atomic(
        options.pid_file,
        fmt::format("{} {}\n", env.self_pid(), self ? self->start_time : uint64_t{0})));
  }
  return {};
}

void Daemon::Impl::end_app_server_session() {
  if (app_server_pid <= 1 || app_server_start_time == 0) return;
  if (int ended = env.end_session(app_server_pid, app_server_start_time); ended > 0) {
    log("ended {} process(es) left in the app-server's session", ended);
  }
}

void Daemon::Impl::remove_files() {
  if (listening) {
    asio::error_code ignored;
    acceptor.close(ignored);
    listening = false;
  }
  if (!files_written) return;
  files_written = false;
  (void)env.remove_file(options.socket_path);
  if (!options.pid_file.empty()) (void)env.remove_file(options.pid_file);
  // The socket's directory is the broker's (fresh, 0700): gone too once it is empty.
  env.remove_dir_if_empty(sys::dirname_of(options.socket_path));
}

asio::awaitable<void> Daemon::Impl::timer_loop() {
  while (!stop.is_set()) {
    int64_t now = steady_ms();
    router.on_timer(now);
    int64_t wait = std::min<int64_t>(100, std::max<int64_t>(1, router.next_deadline() - now));
    co_await (stop.wait() || rpc::sleep_for(Millis(wait)));
  }
}

asio::awaitable<void> Daemon::Impl::idle_loop() {
  const int64_t step = std::clamp<int64_t>(options.idle_ms / 5, 10, 1000);
  int64_t idle_since = -1;
  while (!stop.is_set()) {
    int64_t now = steady_ms();
    if (!router.idle()) {
      idle_since = -1;
    } else if (idle_since < 0) {
      idle_since = now;
    } else if (now - idle_since >= options.idle_ms) {
      shut_down(
          {fmt::format("no client and no turn for {} ms", options.idle_ms), codex::kCauseIdle, 0});
      break;
    }
    co_await (stop.wait() || rpc::sleep_for(Millis(step)));
  }
}

// --- Daemon ------------------------------------------------------------------------------------

Daemon::Daemon(const asio::any_io_executor& executor, sys::Env& env, DaemonOptions options)
    : impl_(std::make_unique<Impl>(executor, env, std::move(options))) {}

Daemon::~Daemon() {
  impl_->remove_files();
}

asio::awaitable<Status> Daemon::start() {
  Impl& d = *impl_;
  d.started_at = std::chrono::steady_clock::now();
  Status free = d.check_socket_path();
  if (!free.ok()) co_return free;
  Status started = co_await d.start_app_server();
  if (!started.ok()) co_return started;
  Status listening = d.listen();
  if (!listening.ok()) {
    d.remove_files();
    d.app_server->set_close_handler(nullptr);
    co_await d.app_server->shutdown("the broker could not listen");
    d.end_app_server_session();
    co_return listening;
  }
  auto version = codex::cli_version(*d.initialize_result);
  d.router.set_info({{"pid", d.env.self_pid()},
                     {"appServerPid", d.app_server_pid},
                     {"endpoint", "unix:" + d.options.socket_path},
                     {"startedAt", sys::iso_time(d.env.now_ms())},
                     {"identity", d.options.identity},
                     {"codexVersion", version ? Json(*version) : Json(nullptr)}});
  d.log("listening on unix:{} (app-server pid {})", d.options.socket_path, d.app_server_pid);
  co_return Status();
}

asio::awaitable<int> Daemon::run() {
  Impl& d = *impl_;
  asio::co_spawn(d.ex, d.accept_loop(), asio::detached);
  asio::co_spawn(d.ex, d.timer_loop(), asio::detached);
  asio::co_spawn(d.ex, d.idle_loop(), asio::detached);
  co_await d.stop.wait();
  Shutdown why = d.shutdown.value_or(Shutdown{"stopped", codex::kCauseStopped, 0});
  d.router.broadcast_shutting_down(why);
  d.remove_files();  // no new client from here on
  co_await d.close_clients(kClientFlush);
  co_await d.app_server->shutdown("the broker shut down");
  d.end_app_server_session();
  d.log("exited ({})", why.exit_code);
  co_return why.exit_code;
}

void Daemon::request_stop(std::string reason) {
  impl_->shut_down({std::move(reason), codex::kCauseStopped, 0});
}

pid_t Daemon::app_server_pid() const {
  return impl_->app_server_pid;
}

std::size_t Daemon::clients() const {
  return impl_->clients.size();
}

}  // namespace companion::broker
