// Ending brokers (broker/lifecycle.h): tearing one down, sweeping the dead ones, stopping them
// all.
#include <signal.h>

#include <charconv>

#include "broker/lifecycle.h"
#include "codex/broker_protocol.h"
#include "rpc/stream_transport.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/path_lock.h"
#include "sys/unix_socket.h"

namespace companion::broker {

using Json = nlohmann::json;

namespace {

constexpr int64_t kPollMs = 20;

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

// True when the broker's process is known and gone (or another process has its pid now).
bool known_dead(sys::Env& env, const store::BrokerSession& session) {
  auto pid = static_cast<pid_t>(session.pid);
  return pid > 1 && session.pid_start_time != 0 &&
         !env.process_matches(pid, session.pid_start_time);
}

// Start locks left as files by companions killed while starting a broker: each one that can be
// taken at once is free, and taking it removes the file on the way out. One held by a companion
// starting a broker right now is left to it.
void remove_free_start_locks(store::JobStore& store) {
  const std::string& dir = store.workspace().state_dir;
  auto names = store.env().list_dir(dir);
  if (!names) return;
  for (const std::string& name : *names) {
    if (name == "broker.lock" || (name.starts_with("broker-") && name.ends_with(".lock"))) {
      (void)sys::PathLock::acquire(sys::join_path(dir, name), 0);
    }
  }
}

// Asks one broker to shut down. Returns whether it is expected to exit; fills `out`.
bool ask_to_stop(store::JobStore& store, const store::BrokerSession& session,
                 const StopOptions& options, StopResult& out) {
  out.key = session.key;
  out.endpoint = session.endpoint;
  out.identity = session.identity;
  auto status = ping(session.endpoint, options.answer_ms);
  if (!status) {
    if (!options.tear_down_unanswering && !known_dead(store.env(), session)) {
      out.refusal = "it did not answer: " + status.error().message;
      return false;
    }
    tear_down(store, session, options.grace_ms);  // recorded but not answering: stale
    out.stopped = true;
    return false;
  }
  out.was_running = true;
  out.status = *status;
  if (const Json& said = sys::json_object(*status, "identity"); !said.empty()) out.identity = said;
  auto asked = call(session.endpoint, codex::kBrokerShutdown, {{"ifIdle", !options.force}},
                    options.answer_ms);
  if (!asked && !options.force) {
    out.refusal = asked.error().message;
    return false;
  }
  return true;
}

}  // namespace

store::BrokerSession with_pid_from_file(store::JobStore& store, store::BrokerSession session) {
  if (session.pid != 0 || session.pid_file.empty()) return session;
  if (sys::dirname_of(session.pid_file) != store.workspace().state_dir) return session;
  auto text = store.env().read_file(session.pid_file, 64, sys::Links::kRefuse);
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

void tear_down(store::JobStore& store, const store::BrokerSession& recorded, int64_t grace_ms) {
  sys::Env& env = store.env();
  const store::BrokerSession session = with_pid_from_file(store, recorded);
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
  // Files are removed only from a private directory of ours (one a task replaced by a symlink is
  // left alone), and a pid file only from the state directory (with_pid_from_file).
  const bool own_socket_dir =
      !session.socket_dir.empty() && env.check_private_dir(session.socket_dir).ok();
  if (auto path = rpc::parse_unix_endpoint(session.endpoint);
      path && own_socket_dir && sys::dirname_of(*path) == session.socket_dir) {
    (void)env.remove_file(*path);
  }
  if (!session.pid_file.empty() &&
      sys::dirname_of(session.pid_file) == store.workspace().state_dir) {
    (void)env.remove_file(session.pid_file);
    remove_pid_file_drafts(env, session.pid_file);
  }
  if (own_socket_dir) env.remove_dir_if_empty(session.socket_dir);
  (void)store.clear_broker_session(session.key, session.endpoint);
}

int tear_down_dead_brokers(store::JobStore& store) {
  auto sessions = store.broker_sessions();
  if (!sessions) return 0;
  int count = 0;
  for (const store::BrokerSession& recorded : *sessions) {
    store::BrokerSession session = with_pid_from_file(store, recorded);
    if (!known_dead(store.env(), session)) continue;
    tear_down(store, session, 0);
    ++count;
  }
  return count;
}

void tear_down_lost_broker(store::JobStore& store, const std::string& endpoint, int64_t wait_ms) {
  sys::Env& env = store.env();
  auto sessions = store.broker_sessions();
  if (!sessions) return;
  for (const store::BrokerSession& recorded : *sessions) {
    if (recorded.endpoint != endpoint) continue;
    store::BrokerSession session = with_pid_from_file(store, recorded);
    auto pid = static_cast<pid_t>(session.pid);
    const int64_t deadline = env.monotonic_ms() + wait_ms;
    while (pid > 1 && env.process_matches(pid, session.pid_start_time) &&
           env.monotonic_ms() < deadline) {
      env.sleep_ms(kPollMs);
    }
  }
  (void)tear_down_dead_brokers(store);
}

Result<std::vector<StopResult>> stop_brokers(store::JobStore& store, const StopOptions& options) {
  sys::Env& env = store.env();
  const int64_t started = env.monotonic_ms();
  remove_free_start_locks(store);
  auto sessions = store.broker_sessions();
  if (!sessions) return sessions.error();
  std::vector<StopResult> out;
  std::vector<store::BrokerSession> asked;
  for (const store::BrokerSession& recorded : *sessions) {
    if (options.budget_ms > 0 && env.monotonic_ms() - started >= options.budget_ms) break;
    store::BrokerSession session = with_pid_from_file(store, recorded);
    StopResult result;
    if (ask_to_stop(store, session, options, result)) asked.push_back(session);
    out.push_back(std::move(result));
  }
  // Every broker asked gets the same grace to exit; then what is left is torn down.
  const int64_t deadline = env.monotonic_ms() + options.grace_ms;
  for (const store::BrokerSession& session : asked) {
    auto pid = static_cast<pid_t>(session.pid);
    while (pid > 1 && env.process_matches(pid, session.pid_start_time) &&
           env.monotonic_ms() < deadline) {
      env.sleep_ms(kPollMs);
    }
  }
  for (const store::BrokerSession& session : asked) {
    tear_down(store, session, options.grace_ms);
    for (StopResult& result : out) {
      if (result.endpoint == session.endpoint) result.stopped = true;
    }
  }
  return out;
}

}  // namespace companion::broker
