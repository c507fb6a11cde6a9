#include "broker/lifecycle.h"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "broker/socket_dir.h"
#include "codex/broker_protocol.h"
#include "codex/identity.h"
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

std::string start_lock_path(store::JobStore& store, const std::string& key) {
  return store.workspace().state_dir + "/broker-" + key + ".lock";
}

// The broker that answered: checked to run the run's Codex, then recorded with its pids.
Result<store::BrokerSession> record_started(store::JobStore& store, store::BrokerSession session,
                                            const Json& answer, const LaunchOptions& options) {
  sys::Env& env = store.env();
  session.pid = sys::json_int(answer, "pid").value_or(0);
  auto info = env.process_info(static_cast<pid_t>(session.pid));
  session.pid_start_time = info ? info->start_time : 0;
  session.app_server_pid = sys::json_int(answer, "appServerPid").value_or(0);
  auto app_info = env.process_info(static_cast<pid_t>(session.app_server_pid));
  session.app_server_start_time = app_info ? app_info->start_time : 0;
  session.started_at = env.now_ms();
  // It computed its identity from its own environment: anything that changed in between (a
  // config.toml naming another variable, a binary replaced) makes it another Codex.
  if (std::string why = identity_mismatch(options.identity, answer); !why.empty()) {
    tear_down(store, session, options.stop_grace_ms);
    return make_error("the shared Codex broker it started runs another Codex than this run ({})",
                      why);
  }
  if (Status recorded = store.set_broker_session(session); !recorded.ok()) {
    tear_down(store, session, options.stop_grace_ms);
    return recorded.error();
  }
  return session;
}

// Starts a broker for the run's identity and waits until it answers; records it.
Result<store::BrokerSession> start_broker(store::JobStore& store, const LaunchOptions& options) {
  sys::Env& env = store.env();
  auto dir = make_broker_socket_dir(env, options.socket_parents, options.task_writable);
  if (!dir) return dir.error();
  store::BrokerSession session;
  session.key = sys::json_text(options.identity, "key");
  session.identity = options.identity;
  session.socket_dir = *dir;
  session.endpoint = "unix:" + *dir + "/broker.sock";
  session.pid_file = store.workspace().state_dir + "/broker-" + session.key + ".pid";
  session.log_file = store.workspace().state_dir + "/broker-" + session.key + ".log";
  auto log = env.open_append(session.log_file);
  if (!log) return log.error();
  // Recorded before it exists (pid unknown): should this companion die while the broker starts,
  // the next one finds the record, and tear_down finds the broker through its pid file.
  session.started_at = env.now_ms();
  if (Status recorded = store.set_broker_session(session); !recorded.ok()) {
    env.remove_dir_if_empty(*dir);
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
    if (answer) return record_started(store, std::move(session), *answer, options);
    if (env.monotonic_ms() >= deadline) break;
    env.sleep_ms(kPollMs);
  }
  std::string why = log_tail(env, session.log_file);
  tear_down(store, session, options.stop_grace_ms);
  return make_error("the shared Codex broker did not start within {} ms ({})",
                    options.start_timeout_ms, why);
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

std::string identity_mismatch(const Json& wanted, const Json& ping_answer) {
  const Json& theirs = sys::json_object(ping_answer, "identity");
  const std::string digest = codex::identity_digest(wanted);
  if (!digest.empty() && codex::identity_digest(theirs) == digest) return {};
  std::string why = codex::describe_difference(wanted, theirs);
  return why.empty() ? "it runs another Codex" : why;
}

std::optional<std::pair<store::BrokerSession, Json>> healthy_broker(
    store::JobStore& store, const Json& identity, int64_t timeout_ms,
    const std::vector<sys::WritablePlace>& task_writable) {
  const std::string key = sys::json_text(identity, "key");
  if (key.empty()) return std::nullopt;
  auto recorded = store.broker_session(key);
  if (!recorded || !recorded->has_value()) return std::nullopt;
  if (!check_socket_dir(store.env(), (*recorded)->socket_dir, task_writable).ok())
    return std::nullopt;
  auto answer = ping((*recorded)->endpoint, timeout_ms);
  if (!answer || !identity_mismatch(identity, *answer).empty()) return std::nullopt;
  return std::make_pair(**recorded, std::move(*answer));
}

Result<store::BrokerSession> ensure_broker(store::JobStore& store, const LaunchOptions& options) {
  const std::string key = sys::json_text(options.identity, "key");
  if (key.empty()) return make_error("this run's Codex identity is unknown");
  if (auto healthy =
          healthy_broker(store, options.identity, options.ping_timeout_ms, options.task_writable)) {
    return healthy->first;
  }
  auto lock = sys::PathLock::acquire(start_lock_path(store, key), options.lock_timeout_ms);
  if (!lock) return lock.error();
  // Another companion may have started one while we waited; a busy broker gets more time
  // before it counts as stale. One that answers for another Codex under this key is broken.
  auto recorded = store.broker_session(key);
  if (!recorded) return recorded.error();
  if (recorded->has_value()) {
    // A socket where a task may write is never connected to: whatever listens there may not be
    // the broker (an earlier version made them in /tmp). The broker is stopped by its recorded
    // pid and start time.
    if (check_socket_dir(store.env(), (*recorded)->socket_dir, options.task_writable).ok()) {
      auto answer = ping((*recorded)->endpoint, options.stale_timeout_ms);
      if (answer && identity_mismatch(options.identity, *answer).empty()) return **recorded;
    }
    tear_down(store, **recorded, options.stop_grace_ms);
  }
  return start_broker(store, options);
}

Result<std::vector<RecordedBroker>> recorded_brokers(store::JobStore& store, int64_t timeout_ms) {
  auto sessions = store.broker_sessions();
  if (!sessions) return sessions.error();
  std::vector<RecordedBroker> out;
  for (store::BrokerSession& session : *sessions) {
    RecordedBroker broker{with_pid_from_file(store, std::move(session)), std::nullopt, {}};
    auto answer = ping(broker.session.endpoint, timeout_ms);
    if (answer) {
      broker.answer = std::move(*answer);
    } else {
      broker.error = answer.error().message;
    }
    out.push_back(std::move(broker));
  }
  return out;
}

}  // namespace companion::broker
