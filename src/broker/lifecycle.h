// The client side of the workspace's shared brokers (SPEC.md guarantee 4 and section 4): the
// health check, finding or starting the broker of a run's Codex identity, tearing a stale one
// down, asking them to stop. Asio-free (the CLI includes it); every call is bounded in time.
//
// A workspace has one broker per Codex identity (codex/identity.h): a run is only ever served by
// a broker whose own identity — the one it computed from its own environment at start and
// answers in broker/ping — has the run's digest. Each broker is recorded in the workspace store
// under its identity's key (store/broker_session.h), has its own start lock
// (`broker-<key>.lock`), log (`broker-<key>.log`) and pid file (`broker-<key>.pid`) in the
// workspace's state directory, its socket in a fresh 0700 directory `cxc-XXXXXX` where no
// sandboxed task may write (broker/socket_dir.h), and exits after its own idle
// time. It is started detached (`broker serve --detach`): not a descendant of the job that
// started it, so ending that job's processes never ends a broker other jobs use.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/broker_session.h"
#include "store/job_store.h"
#include "sys/env.h"
#include "sys/path_checks.h"
#include "sys/result.h"

namespace companion::broker {

// Sends one request to the broker at `endpoint` on a connection of its own and returns the
// result; an error when it cannot connect, answers with an error, or not within `timeout_ms`.
Result<nlohmann::json> call(const std::string& endpoint, const std::string& method,
                            const nlohmann::json& params, int64_t timeout_ms);

// broker/ping: {pid, appServerPid, clients, activeTurns, threads, endpoint, startedAt, identity,
// codexVersion} (codex/broker_protocol.h).
Result<nlohmann::json> ping(const std::string& endpoint, int64_t timeout_ms);

// Why the broker that gave `ping_answer` must not serve a run of identity `wanted` (both in the
// shown form of codex/identity.h): "" when its identity has the same digest, else a phrase
// naming what differs (no value of any variable), e.g. "CODEX_HOME is /b here, /a there".
std::string identity_mismatch(const nlohmann::json& wanted, const nlohmann::json& ping_answer);

struct LaunchOptions {
  std::string executable;      // this program (jobs::self_executable())
  std::string workspace_root;  // the broker's app-server runs there
  nlohmann::json identity;     // the run's Codex identity (codex::to_json)
  // Where its private socket directory may be made, in order (broker::socket_parents).
  std::vector<std::string> socket_parents;
  // Where a sandboxed task may write (codex::task_writable_places): no socket directory there is
  // made or used; a recorded broker whose socket is there is torn down, never asked anything.
  std::vector<sys::WritablePlace> task_writable;
  int64_t ping_timeout_ms = 150;     // a healthy broker answers within this
  int64_t stale_timeout_ms = 1000;   // a broker that misses it gets this long before teardown
  int64_t start_timeout_ms = 10000;  // a new broker must answer within this
  int64_t lock_timeout_ms = 15000;   // waiting for another companion starting one
  int64_t stop_grace_ms = 2000;      // SIGTERM to SIGKILL when tearing one down
};

// The broker of options.identity, healthy: the recorded one when it answers a ping within
// ping_timeout_ms with that identity; otherwise, holding that identity's start lock (so two
// companions start one broker), the recorded one gets stale_timeout_ms more, then is torn down,
// and a new one is started, checked to answer with the run's identity, and recorded. An error
// when none could be had; callers then use a direct app-server.
Result<store::BrokerSession> ensure_broker(store::JobStore& store, const LaunchOptions& options);

// The recorded broker of identity `identity` and its ping answer when its socket directory passes
// check_socket_dir(task_writable) and it answers within `timeout_ms` with that identity; nullopt
// otherwise (nothing is torn down).
std::optional<std::pair<store::BrokerSession, nlohmann::json>> healthy_broker(
    store::JobStore& store, const nlohmann::json& identity, int64_t timeout_ms,
    const std::vector<sys::WritablePlace>& task_writable);

// A recorded broker and what it answered.
struct RecordedBroker {
  store::BrokerSession session;          // with its pid from its pid file when unrecorded
  std::optional<nlohmann::json> answer;  // its ping answer, when it answered
  std::string error;                     // why it did not, else empty
};

// Every broker recorded for the workspace (all identities, and an earlier version's), each pinged
// with `timeout_ms`, in the order of their keys.
Result<std::vector<RecordedBroker>> recorded_brokers(store::JobStore& store, int64_t timeout_ms);

// A record written before its broker answered has no pid: the broker's pid file names it, with
// its start time, so a pid reused since is never taken for it. Returns `session` with them. Only
// a pid file in the workspace's state directory is read (an earlier version's lay beside the
// socket in /tmp, where a sandboxed task could have written another process's pid).
store::BrokerSession with_pid_from_file(store::JobStore& store, store::BrokerSession session);

// Ends a broker: SIGTERM (and SIGCONT, should it be stopped), SIGKILL of its whole session
// after `grace_ms`, and of what is left of its app-server's session — only while the pids still
// have the recorded start times (a recycled pid is never signalled); removes its socket, pid
// file and directory, and forgets the record.
void tear_down(store::JobStore& store, const store::BrokerSession& session, int64_t grace_ms);

// Tears down every recorded broker known to be dead: its pid (recorded, or from its pid file) no
// longer runs with its start time — SIGKILLed, or gone without a chance to clean up. What its
// app-server started and left behind (its session) is ended, its files removed, its record
// forgotten. A broker that cannot be told dead (no pid known yet) is left. Returns how many.
// Cheap when nothing is dead: one store read and one /proc lookup per record.
int tear_down_dead_brokers(store::JobStore& store);

// Waits up to `wait_ms` for the recorded broker at `endpoint` to be gone (a broker that failed a
// job's turn may still be exiting), then tears down every dead broker (tear_down_dead_brokers).
void tear_down_lost_broker(store::JobStore& store, const std::string& endpoint, int64_t wait_ms);

struct StopResult {
  std::string key;  // the broker's identity key ("" for an earlier version's)
  std::string endpoint;
  bool was_running = false;  // it answered
  bool stopped = false;      // it is gone now
  std::string refusal;       // why it was left running (in use and not forced), else empty
  nlohmann::json status;     // its last ping answer, else null
  nlohmann::json identity;   // what it said it runs (else what its record says), or null
};

struct StopOptions {
  bool force = false;        // stop them even while they serve jobs (those end broker-lost)
  int64_t answer_ms = 1000;  // bound on each of a broker's answers (ping, then broker/shutdown)
  int64_t grace_ms = 5000;   // for them to exit before they are torn down
  // A recorded broker that does not answer is torn down as stale. Off for the SessionEnd hook:
  // a broker slow to answer under load may be serving another session's job. A broker known to
  // be dead (tear_down_dead_brokers) is torn down either way.
  bool tear_down_unanswering = true;
  // When > 0: brokers not yet asked when this much time has passed are left as they are.
  int64_t budget_ms = 0;
};

// Stops every broker of the workspace (every identity). Without `force`, one that serves another
// client or an active turn refuses (broker/shutdown {ifIdle:true}) and is left running; with it,
// their clients are told (their jobs end broker-lost). Every broker is asked first, then all
// are given grace_ms together to exit, then each one that is not gone is torn down. Bounded by
// about n * 2 * answer_ms + 2 * grace_ms (and by budget_ms for the asking). A companion killed
// while starting a broker leaves its start lock as a file: each one found free is removed. For
// the SessionEnd hook (a 1 s budget): {force: false, answer_ms: 300, grace_ms: 200,
// tear_down_unanswering: false, budget_ms: 600}.
Result<std::vector<StopResult>> stop_brokers(store::JobStore& store, const StopOptions& options);

}  // namespace companion::broker
