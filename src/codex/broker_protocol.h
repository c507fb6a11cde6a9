// The broker's own messages, on top of the app-server protocol it relays (DESIGN.md "The broker
// is a multiplexer"; SPEC.md guarantee 4). Shared by the broker (broker/) and its clients.
//
//   broker/ping {}            -> {pid, appServerPid, clients, activeTurns, threads, endpoint,
//                                 startedAt, pendingServerRequests, identity, codexVersion}: the
//                                 health check, answered by the broker itself; `clients` counts
//                                 the other clients; `identity` is the Codex identity it serves
//                                 (codex/identity.h, computed by the broker from its own
//                                 environment): a client serves a run through it only when the
//                                 digests are equal.
//   broker/shutdown {ifIdle?} -> {} and the broker shuts down (exit 0). With ifIdle:true it
//                                 refuses (error kBrokerRefused) while another client is
//                                 connected or a turn is active.
//   notifications/broker/shuttingDown {reason, cause}: sent to every client before the broker
//                                 closes; cause is one of the kCause* values.
// The reference plugin (codex-plugin-cc 1.0.5) uses the code -32001 for its broker's "busy"
// refusal; ours uses it for every refusal by the broker itself.
#pragma once

namespace companion::codex {

inline constexpr const char* kBrokerPing = "broker/ping";
inline constexpr const char* kBrokerShutdown = "broker/shutdown";
inline constexpr const char* kBrokerShuttingDown = "notifications/broker/shuttingDown";

inline constexpr int kBrokerRefused = -32001;

inline constexpr const char* kCauseAppServerExited = "app-server-exited";
inline constexpr const char* kCauseStopped = "stopped";  // SIGTERM/SIGINT, or broker/shutdown
inline constexpr const char* kCauseIdle = "idle";

}  // namespace companion::codex
