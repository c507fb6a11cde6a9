// The broker's routing between many clients and one `codex app-server` (sans-IO; DESIGN.md "The
// broker is a multiplexer", SPEC.md guarantee 4). The daemon (broker/daemon.h) feeds it every
// message and event with the current time; the Router says what to send where through a
// RouterOutput. It never reads a socket or a clock, so every sequence is a unit test.
//
// What it does:
// - Ids: each client request is forwarded with an id of the broker's own (an integer) and its
//   response goes back to that client under the client's id (any JSON-RPC id). Server requests
//   forwarded to a client get a broker id too; the client's answer goes back under the server's.
// - Threads have one owner: the client whose thread/start, thread/resume or thread/fork returned
//   it, or whose review/start returned it as reviewThreadId. Subagent threads belong to the owner
//   of their parent: thread/started with parentThreadId, collabAgentToolCall items with
//   receiverThreadIds, and turn/started whose turn.rootTurnId is a turn of an owned thread (codex
//   0.169.0 sends no thread/started for spawned agents; src/codex/testdata/README.md).
// - Notifications with a threadId go to its owner only; those of a thread not owned yet are held
//   (bounded: kMaxHeld messages, kMaxHeldBytes) until a claim delivers them in order, and the
//   oldest are dropped beyond the bound. Notifications without one go to every client.
// - Server requests (approvals, user input) go to the owner of their thread (params.threadId, or
//   conversationId in the older protocol). Without a live owner, or when the owner has not
//   answered within server_request_timeout_ms, the broker answers with Codex's policy
//   (codex/server_requests.h: declined), so a turn never waits on a client.
// - It answers initialize (from the app-server's answer to the broker's own initialize; a second
//   one on the same client is refused like the app-server does), broker/ping (its `clients`
//   counts the other clients) and broker/shutdown (codex/broker_protocol.h). Client notifications
//   (`initialized`) are not forwarded.
// - Any client may turn/interrupt any thread. turn/start, review/start and thread/resume on a
//   thread another live client owns are refused (kBrokerRefused).
// - A client that leaves gets its active turns interrupted (by the broker) and its threads
//   released; its pending server requests are answered by the policy; late answers are dropped.
//   A released thread whose turn is over is unsubscribed (thread/unsubscribe), so the app-server
//   can unload it.
// - Bounds: per client at most kMaxInFlight requests and kMaxInFlightBytes of them awaiting the
//   app-server, and kMaxThreadsPerClient threads; beyond them requests are refused.
// Not thread-safe. Never throws on malformed input (wrong types are absent fields).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace companion::broker {

using ClientId = uint64_t;  // assigned by the daemon; never 0

struct Shutdown {
  std::string reason;  // for people: "a client asked the broker to shut down"
  std::string cause;   // codex::kCause*
  int exit_code = 0;
};

// Where the Router's messages go. Lines are complete JSON texts without their newline.
class RouterOutput {
 public:
  virtual ~RouterOutput() = default;
  virtual void to_app_server(std::string_view line) = 0;
  // Ignored by the daemon for a client that is already gone.
  virtual void to_client(ClientId client, std::string_view line) = 0;
  virtual void shut_down(const Shutdown& why) = 0;
};

struct RouterOptions {
  int64_t server_request_timeout_ms = 5000;
};

class Router {
 public:
  static constexpr std::size_t kMaxHeld = 512;
  static constexpr std::size_t kMaxHeldBytes = 4 * 1024 * 1024;
  static constexpr std::size_t kMaxInFlight = 256;
  static constexpr std::size_t kMaxInFlightBytes = 32 * 1024 * 1024;
  static constexpr std::size_t kMaxThreadsPerClient = 4096;

  Router(RouterOutput& out, RouterOptions options = {});

  // The app-server's answer to the broker's own initialize (answered to every client).
  void set_initialize_result(nlohmann::json result);
  // Fields added to every broker/ping answer (pid, endpoint, ...).
  void set_info(nlohmann::json info);

  void client_connected(ClientId client);
  // `message` is a parsed JSON object; `line` its text (no newline).
  void from_client(ClientId client, const nlohmann::json& message, std::string_view line,
                   int64_t now_ms);
  // A line from the client that is not a JSON object: answered with a parse error.
  void malformed_from_client(ClientId client, std::string_view line);
  void client_gone(ClientId client);

  void from_app_server(const nlohmann::json& message, std::string_view line, int64_t now_ms);
  // Answers the server requests whose owner did not answer in time.
  void on_timer(int64_t now_ms);
  // When on_timer() next has something to do; INT64_MAX when never.
  int64_t next_deadline() const;

  // The notification every client gets before the broker closes.
  void broadcast_shutting_down(const Shutdown& why);

  // No client connected and no turn active.
  bool idle() const;
  std::size_t clients() const { return clients_.size(); }
  std::size_t active_turns() const;
  // {clients, activeTurns, threads, pendingServerRequests} plus the fields of set_info().
  nlohmann::json status() const;

 private:
  struct Client {
    bool initialized = false;
    std::set<std::string> threads;
    std::size_t in_flight = 0;
    std::size_t in_flight_bytes = 0;
  };
  struct Thread {
    ClientId owner = 0;        // 0: released while its turn still runs
    std::string active_turn;   // the root turn in progress, else empty
    std::string current_turn;  // the last turn/started of the thread (a review's inner turn)
  };
  struct Upstream {       // a request of ours to the app-server
    ClientId client = 0;  // 0: the broker's own
    nlohmann::json client_id;
    std::string method;
    std::string thread_id;  // params.threadId of the request
    std::size_t bytes = 0;
  };
  struct Forwarded {  // a server request forwarded to a client
    nlohmann::json server_id;
    ClientId client = 0;
    std::string method;
    nlohmann::json params;
    int64_t deadline_ms = 0;
  };
  struct Held {
    std::string thread_id;
    std::string line;
  };

  // Client side (router_client.cc).
  void client_request(ClientId client, Client& state, const nlohmann::json& message,
                      std::size_t bytes);
  void client_response(ClientId client, const nlohmann::json& message);
  bool refuse_foreign_thread(ClientId client, const nlohmann::json& id, const std::string& method,
                             const std::string& thread_id);
  void answer_shutdown(ClientId client, const nlohmann::json& id, const nlohmann::json& params);
  void reply(ClientId client, const nlohmann::json& message);
  void refuse(ClientId client, const nlohmann::json& id, int code, std::string message);

  // App-server side (router.cc).
  void app_server_response(const nlohmann::json& message);
  void own_response(const Upstream& request);
  void learn_from_response(const Upstream& request, const nlohmann::json& result);
  void notification(const std::string& method, const nlohmann::json& params, std::string_view line);
  void learn_from_notification(const std::string& method, const std::string& thread_id,
                               const nlohmann::json& params);
  void server_request(const nlohmann::json& message, int64_t now_ms);
  void answer_by_policy(const nlohmann::json& server_id, const std::string& method,
                        const nlohmann::json& params);

  // Threads.
  ClientId live_owner(const std::string& thread_id) const;
  void claim(const std::string& thread_id, ClientId client);
  void set_active_turn(const std::string& thread_id, const std::string& turn_id);
  void end_turn(const std::string& thread_id, const std::string& turn_id);
  void interrupt(const std::string& thread_id, const std::string& turn_id);
  void forget(std::unordered_map<std::string, Thread>::iterator it);
  void own_request(const char* method, const std::string& thread_id, nlohmann::json params);
  void hold(const std::string& thread_id, std::string_view line);
  void deliver(const std::string& thread_id, std::string_view line);

  RouterOutput& out_;
  RouterOptions options_;
  nlohmann::json initialize_result_ = nlohmann::json::object();
  nlohmann::json info_ = nlohmann::json::object();
  std::map<ClientId, Client> clients_;
  std::unordered_map<std::string, Thread> threads_;
  std::unordered_map<std::string, std::string> turn_threads_;  // active turn id -> its thread
  std::unordered_map<int64_t, Upstream> upstream_;
  std::map<int64_t, Forwarded> forwarded_;
  std::deque<Held> held_;
  std::size_t held_bytes_ = 0;
  int64_t next_upstream_id_ = 1;
  int64_t next_forwarded_id_ = 1;
};

}  // namespace companion::broker
