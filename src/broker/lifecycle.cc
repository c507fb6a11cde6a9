#include "broker/lifecycle.h"

#include <fmt/format.h>
#include <signal.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <charconv>
#include <chrono>
#include <memory>

#include "codex/broker_protocol.h"
#include "rpc/connection.h"
#include "rpc/stream_transport.h"
#include "sys/env.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/path_lock.h"
#include "sys/process.h"
#include "sys/unix_socket.h"

namespace companion::broker {

using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

namespace {

constexpr int64_t kPollMs = 20;

asio::awaitable<void> call_once(std::string path, std::string method, Json params,
                                int64_t timeout_ms, Result<Json>& out) {
  auto ex = co_await asio::this_coro::executor;
  auto transport = rpc::StreamTransport::connect_unix(ex, path, "the Codex broker");
  if (!transport) {
    out = transport.error();
    co_return;
  }
  rpc::ConnectionOptions options;
  options.peer_name = "the Codex broker";
  rpc::Connection connection(ex, std::move(*transport), options);
  connection.start();
  rpc::Reply reply = co_await connection.request(method, std::move(params), Millis(timeout_ms));
  co_await connection.shutdown("done");
  if (reply.ok()) {
    out = std::move(reply.result);
  } else {
    out = Error{reply.error->message};
  }
}

std::string log_tail(sys::Env& env, const std::string& path) {
  auto tail = env.read_tail(path, 2000);
  if (!tail || tail->empty()) return "no log";
  std::string text = *tail;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  auto last = text.rfind('\n');
  return last == std::string::npos ? text : text.substr(last + 1);
}

// Starts a broker for the workspace and waits until it answers; records it.
Result<store::BrokerSession> start_broker(store::JobStore& store, const LaunchOptions& options) {
  sys::Env& env = store.env();
  auto dir = sys::make_socket_dir(options.socket_parent, "cxc-");
  if (!dir) return dir.error();
  store::BrokerSession session;
  session.socket_dir = *dir;
  session.endpoint = "unix:" + *dir + "/broker.sock";
  session.pid_file = *dir + "/broker.pid";
  session.log_file = store.workspace().state_dir + "/broker.log";
  auto log = env.open_append(session.log_file);
  if (!log) return log.error();
  // Recorded before it exists (pid unknown): should this companion die while the broker starts,
  // the next one finds the record, and tear_down finds the broker through its pid file.
  session.started_at = env.now_ms();
  if (Status recorded = store.set_broker_session(session); !recorded.ok()) {
    sys::remove_dir_if_empty(*dir);
    return recorded.error();
  }
  sys::SpawnOptions spawn;
  spawn.argv = {
      options.executable, "broker",     "serve",          "--detach", "--endpoint",
      session.endpoint,   "--pid-file", session.pid_file, "--cwd",    options.workspace_root};
  spawn.stderr_fd = log->get();
  spawn.new_session = true;
  auto launcher = env.spawn(spawn);
  if (!launcher) {
    tear_down(store, session, options.stop_grace_ms);
    return launcher.error();
  }
  (void)sys::reap_within(*launcher, 2000);  // it forks the broker off and exits at once
  const int64_t deadline = env.monotonic_ms() + options.start_timeout_ms;
  for (;;) {
    auto answer = ping(session.endpoint, options.ping_timeout_ms);
    if (answer) {
      session.pid = sys::json_int(*answer, "pid").value_or(0);
      auto info = env.process_info(static_cast<pid_t>(session.pid));
      session.pid_start_time = info ? info->start_time : 0;
      session.app_server_pid = sys::json_int(*answer, "appServerPid").value_or(0);
      auto app_info = env.process_info(static_cast<pid_t>(session.app_server_pid));
      session.app_server_start_time = app_info ? app_info->start_time : 0;
      session.started_at = env.now_ms();
      if (Status recorded = store.set_broker_session(session); !recorded.ok()) {
        tear_down(store, session, options.stop_grace_ms);
        return recorded.error();
      }
      return session;
    }
    if (env.monotonic_ms() >= deadline) break;
    env.sleep_ms(kPollMs);
  }
  std::string why = log_tail(env, session.log_file);
  tear_down(store, session, options.stop_grace_ms);
  return make_error("the shared Codex broker did not start within {} ms ({})",
                    options.start_timeout_ms, why);
}

// A session recorded before its broker answered has no pid: the broker's pid file names it,
// with its start time, so a pid reused since is never taken for it.
store::BrokerSession with_pid_from_file(sys::Env& env, store::BrokerSession session) {
  if (session.pid != 0 || session.pid_file.empty()) return session;
  auto text = env.read_file(session.pid_file, 64, sys::Links::kRefuse);
  if (!text) return session;
  const char* end = text->data() + text->size();
  int64_t pid = 0;
  uint64_t start_time = 0;
  auto [after_pid, pid_ec] = std::from_chars(text->data(), end, pid);
  if (pid_ec != std::errc() || after_pid == end || *after_pid != ' ' || pid <= 1) return session;
  auto [after_start, start_ec] = std::from_chars(after_pid + 1, end, start_time);
  if (start_ec != std::errc() || start_time == 0) return session;
  session.pid = pid;
  session.pid_start_time = start_time;
  return session;
}

// A broker killed while writing its pid file leaves the draft (`<pid file>.tmp.<pid>`, see
// sys::write_file_atomic), which keeps its socket directory from being removed. Only names of
// that shape are removed.
void remove_pid_file_drafts(sys::Env& env, const std::string& pid_file) {
  const std::string dir = sys::dirname_of(pid_file);
  if (dir.empty() || dir.size() + 1 >= pid_file.size()) return;
  const std::string prefix = pid_file.substr(dir.size() + 1) + ".tmp.";
  auto names = env.list_dir(dir);
  if (!names) return;
  for (const std::string& name : *names) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    (void)env.remove_file(sys::join_path(dir, name));
  }
}

}  // namespace

Result<Json> call(const std::string& endpoint, const std::string& method, const Json& params,
                  int64_t timeout_ms) {
  auto path = rpc::parse_unix_endpoint(endpoint);
  if (!path) return path.error();
  Result<Json> out =
      make_error("the Codex broker did not answer {} within {} ms", method, timeout_ms);
  asio::io_context io;
  asio::co_spawn(io, call_once(*path, method, params, timeout_ms, out),
                 [&](const std::exception_ptr&) { io.stop(); });
  io.run_for(Millis(timeout_ms + 3000));  // the request is bounded; this bounds the shutdown
  return out;
}

Result<Json> ping(const std::string& endpoint, int64_t timeout_ms) {
  return call(endpoint, codex::kBrokerPing, Json::object(), timeout_ms);
}

std::optional<std::pair<store::BrokerSession, Json>> healthy_broker(store::JobStore& store,
                                                                    int64_t timeout_ms) {
  auto recorded = store.broker_session();
  if (!recorded || !recorded->has_value()) return std::nullopt;
  auto answer = ping((*recorded)->endpoint, timeout_ms);
  if (!answer) return std::nullopt;
  return std::make_pair(**recorded, std::move(*answer));
}

Result<store::BrokerSession> ensure_broker(store::JobStore& store, const LaunchOptions& options) {
  if (auto healthy = healthy_broker(store, options.ping_timeout_ms)) return healthy->first;
  auto lock =
      sys::PathLock::acquire(store.workspace().state_dir + "/broker.lock", options.lock_timeout_ms);
  if (!lock) return lock.error();
  // Another companion may have started one while we waited; a busy broker gets more time
  // before it counts as stale.
  auto recorded = store.broker_session();
  if (!recorded) return recorded.error();
  if (recorded->has_value()) {
    if (ping((*recorded)->endpoint, options.stale_timeout_ms)) return **recorded;
    tear_down(store, **recorded, options.stop_grace_ms);
  }
  return start_broker(store, options);
}

void tear_down(store::JobStore& store, const store::BrokerSession& recorded, int64_t grace_ms) {
  sys::Env& env = store.env();
  const store::BrokerSession session = with_pid_from_file(env, recorded);
  auto pid = static_cast<pid_t>(session.pid);
  if (pid > 1 && session.pid_start_time != 0 && env.process_matches(pid, session.pid_start_time)) {
    (void)env.signal_process(pid, SIGTERM);
    (void)env.signal_process(pid, SIGCONT);  // a stopped broker must run to handle SIGTERM
    const int64_t deadline = env.monotonic_ms() + grace_ms;
    while (env.process_matches(pid, session.pid_start_time) && env.monotonic_ms() < deadline) {
      env.sleep_ms(kPollMs);
    }
    // Whatever is left of its session goes now.
    (void)env.end_session(pid, session.pid_start_time);
  }
  // Its app-server leads a session of its own (it dies with the broker, but what it started,
  // such as an MCP server that ignores its stdin, may not).
  (void)env.end_session(static_cast<pid_t>(session.app_server_pid), session.app_server_start_time);
  if (auto path = rpc::parse_unix_endpoint(session.endpoint)) (void)env.remove_file(*path);
  if (!session.pid_file.empty()) {
    (void)env.remove_file(session.pid_file);
    remove_pid_file_drafts(env, session.pid_file);
  }
  if (!session.socket_dir.empty()) sys::remove_dir_if_empty(session.socket_dir);
  (void)store.clear_broker_session(session.endpoint);
}

Result<StopResult> stop_broker(store::JobStore& store, const StopOptions& options) {
  const bool force = options.force;
  const int64_t grace_ms = options.grace_ms;
  StopResult out;
  // A companion killed while starting a broker leaves its start lock as a file (no longer held):
  // taking the lock when it is free removes that file on the way out. One held by a companion
  // starting a broker right now is left to it.
  auto start_lock = sys::PathLock::acquire(store.workspace().state_dir + "/broker.lock", 0);
  auto recorded = store.broker_session();
  if (!recorded) return recorded.error();
  if (!recorded->has_value()) {
    out.stopped = true;
    return out;
  }
  const store::BrokerSession session = with_pid_from_file(store.env(), **recorded);
  auto status = ping(session.endpoint, options.answer_ms);
  if (!status) {
    if (!options.tear_down_unanswering) {
      out.refusal = "it did not answer: " + status.error().message;
      return out;
    }
    tear_down(store, session, grace_ms);  // recorded but not answering: stale
    out.stopped = true;
    return out;
  }
  out.was_running = true;
  out.status = *status;
  auto asked =
      call(session.endpoint, codex::kBrokerShutdown, {{"ifIdle", !force}}, options.answer_ms);
  if (!asked && !force) {
    out.refusal = asked.error().message;
    return out;
  }
  sys::Env& env = store.env();
  const int64_t deadline = env.monotonic_ms() + grace_ms;
  auto pid = static_cast<pid_t>(session.pid);
  while (pid > 1 && env.process_matches(pid, session.pid_start_time) &&
         env.monotonic_ms() < deadline) {
    env.sleep_ms(kPollMs);
  }
  tear_down(store, session, grace_ms);
  out.stopped = true;
  return out;
}

}  // namespace companion::broker
