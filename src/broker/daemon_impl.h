// Internal to the broker: the Daemon's state, shared by daemon.cc (start, run, shutdown) and
// daemon_clients.cc (accepting and serving clients). Not a public header.
#pragma once

#include <fmt/format.h>

#include <asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "broker/daemon.h"
#include "broker/router.h"
#include "rpc/channel.h"
#include "rpc/event.h"
#include "sys/env.h"
#include "sys/fd.h"

namespace companion::broker {

struct Daemon::Impl : RouterOutput {
  Impl(const asio::any_io_executor& executor, sys::Env& e, DaemonOptions o);

  // RouterOutput.
  void to_app_server(std::string_view line) override;
  void to_client(ClientId client, std::string_view line) override;
  void shut_down(const Shutdown& why) override;

  // daemon_clients.cc
  asio::awaitable<void> accept_loop();
  void admit(sys::UniqueFd fd);
  void refuse_peer(sys::UniqueFd fd, const std::string& message);
  void client_closed(ClientId id);
  asio::awaitable<void> close_clients(std::chrono::milliseconds flush_limit);

  // daemon.cc
  asio::awaitable<Status> start_app_server();
  Status check_socket_path();
  Status listen();
  void on_app_server_message(nlohmann::json& message, std::string_view line);
  asio::awaitable<void> timer_loop();
  asio::awaitable<void> idle_loop();
  void remove_files();
  void end_app_server_session();
  template <class... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    if (options.log) options.log(fmt::format(format, std::forward<Args>(args)...));
  }

  asio::any_io_executor ex;
  sys::Env& env;
  DaemonOptions options;
  Router router;
  std::unique_ptr<rpc::Channel> app_server;
  pid_t app_server_pid = -1;
  uint64_t app_server_start_time = 0;  // with the pid: its session, ended when it is done
  std::optional<nlohmann::json> initialize_result;
  std::string initialize_error;
  rpc::Event initialized;
  asio::posix::stream_descriptor acceptor;
  bool listening = false, files_written = false;
  std::map<ClientId, std::unique_ptr<rpc::Channel>> clients;
  ClientId next_client = 1;
  std::optional<Shutdown> shutdown;
  rpc::Event stop;
  std::chrono::steady_clock::time_point started_at;
};

// Milliseconds of the steady clock, for the Router's deadlines.
int64_t steady_ms();

}  // namespace companion::broker
