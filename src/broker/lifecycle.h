// The client side of the workspace's shared broker (SPEC.md guarantee 4): the health check,
// finding or starting the broker, tearing a stale one down, asking it to stop. Asio-free (the
// CLI includes it); every call is bounded in time.
//
// The broker is recorded in the workspace store (store/broker_session.h). Its socket lives in a
// fresh 0700 directory `<socket_parent>/cxc-XXXXXX`, its log in the workspace's state directory.
// It is started detached (`broker serve --detach`): not a descendant of the job that started it,
// so ending that job's processes never ends a broker other jobs use.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/broker_session.h"
#include "store/job_store.h"
#include "sys/result.h"

namespace companion::broker {

// Sends one request to the broker at `endpoint` on a connection of its own and returns the
// result; an error when it cannot connect, answers with an error, or not within `timeout_ms`.
Result<nlohmann::json> call(const std::string& endpoint, const std::string& method,
                            const nlohmann::json& params, int64_t timeout_ms);

// broker/ping: {pid, appServerPid, clients, activeTurns, threads, endpoint, startedAt}.
Result<nlohmann::json> ping(const std::string& endpoint, int64_t timeout_ms);

struct LaunchOptions {
  std::string executable;              // this program (jobs::self_executable())
  std::string workspace_root;          // the broker's app-server runs there
  std::string socket_parent = "/tmp";  // where its private socket directory is made
  int64_t ping_timeout_ms = 150;       // a healthy broker answers within this
  int64_t stale_timeout_ms = 1000;     // a broker that misses it gets this long before teardown
  int64_t start_timeout_ms = 10000;    // a new broker must answer within this
  int64_t lock_timeout_ms = 15000;     // waiting for another companion starting one
  int64_t stop_grace_ms = 2000;        // SIGTERM to SIGKILL when tearing one down
};

// The workspace's broker, healthy: the recorded one when it answers a ping within
// ping_timeout_ms; otherwise, holding the workspace's start lock (so two companions start one
// broker), the recorded one gets stale_timeout_ms more, then is torn down, and a new one is
// started and recorded. An error when none could be had; callers then use a direct app-server.
Result<store::BrokerSession> ensure_broker(store::JobStore& store, const LaunchOptions& options);

// The recorded broker and its ping answer when it answers within `timeout_ms`; nullopt when none
// is recorded or it does not answer (nothing is torn down).
std::optional<std::pair<store::BrokerSession, nlohmann::json>> healthy_broker(
    store::JobStore& store, int64_t timeout_ms);

// Ends a broker: SIGTERM (and SIGCONT, should it be stopped), SIGKILL of its whole session
// after `grace_ms`, and of what is left of its app-server's session — only while the pids still
// have the recorded start times (a recycled pid is never signalled); removes its socket, pid
// file and directory, and forgets the record.
void tear_down(store::JobStore& store, const store::BrokerSession& session, int64_t grace_ms);

struct StopResult {
  bool was_running = false;  // a recorded broker answered
  bool stopped = false;      // it is gone now
  std::string refusal;       // why it was left running (in use and not forced), else empty
  nlohmann::json status;     // its last ping answer
};

struct StopOptions {
  bool force = false;        // stop it even while it serves jobs (they end broker-lost)
  int64_t answer_ms = 1000;  // bound on each of its answers (ping, then broker/shutdown)
  int64_t grace_ms = 5000;   // for it to exit before it is torn down
  // A recorded broker that does not answer is torn down as stale. Off for the SessionEnd hook:
  // a broker slow to answer under load may be serving another session's job.
  bool tear_down_unanswering = true;
};

// Stops the workspace's broker. Without `force` it refuses while another client is connected
// or a turn is active (broker/shutdown {ifIdle:true}); with it, the broker's clients are told
// (their jobs end broker-lost). A broker that does not answer, or does not go within grace_ms,
// is torn down. Bounded by about 2 * answer_ms + 2 * grace_ms. For the SessionEnd hook (a 1.5 s
// budget): {force: false, answer_ms: 300, grace_ms: 200, tear_down_unanswering: false}.
Result<StopResult> stop_broker(store::JobStore& store, const StopOptions& options);

}  // namespace companion::broker
