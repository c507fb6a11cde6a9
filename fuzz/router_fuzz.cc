// Fuzz target: the broker's routing between clients and one app-server (broker/router.h, sans-IO).
//
// Input: lines, each one event for the Router:
//   +N          client N (1-8) connects (a new ClientId each time, as the daemon numbers them)
//   -N          client N leaves
//   @MS         MS milliseconds pass; the server-request timer runs
//   N <text>    a line from client N (not a JSON object: malformed_from_client)
//   <text>      any other line is from the app-server (a JSON object, else dropped as the
//               daemon's channel does)
// The seed corpus (make_seeds.py) replays the recorded Codex traces through two clients.
// Invariants: nothing throws or crashes; every line the Router writes is one JSON object; each
// client request is answered at most once per time it was sent with that id, and each server
// request at most once; a thread's notifications and server requests reach only a client that
// learned of the thread from what it was sent (a thread/start, thread/resume, thread/fork,
// turn/start or review/start answer, or a subagent announced on a thread it has); one event
// sends one client at most Router::kMaxHeld + 2 lines; once every client has left and the timer
// has run, no server request is left pending.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/router.h"
#include "fuzz_check.h"
#include "rpc/jsonrpc.h"
#include "sys/json_read.h"

namespace {

using nlohmann::json;
namespace broker = companion::broker;
namespace rpc = companion::rpc;

constexpr int kClients = 8;

const json& field(const json& value, const char* key) {
  static const json kNull;
  if (!value.is_object()) return kNull;
  auto it = value.find(key);
  return it == value.end() ? kNull : *it;
}

std::string text(const json& value, const char* key) {
  return rpc::string_member(value, key);
}

// What one client sent and what it may be sent.
struct ClientModel {
  std::multimap<std::string, json> requests;  // id (dumped) -> the request
  std::map<std::string, int> answered;        // id (dumped) -> responses received
  std::set<std::string> threads;              // threads it learned of
};

class Harness : public broker::RouterOutput {
 public:
  Harness() : router_(*this, broker::RouterOptions{1000}) {
    router_.set_initialize_result({{"userAgent", "fuzz"}});
  }

  void run(std::string_view input) {
    std::size_t start = 0;
    while (start <= input.size() && !stopped_) {
      std::size_t end = input.find('\n', start);
      if (end == std::string_view::npos) end = input.size();
      event(input.substr(start, end - start));
      start = end + 1;
    }
    for (int n = 1; n <= kClients; ++n) leave(n);
    router_.on_timer(std::numeric_limits<int64_t>::max());
    settle();
    FUZZ_CHECK(router_.clients() == 0, "a client is left after every client left");
    FUZZ_CHECK(router_.status().value("pendingServerRequests", -1) == 0,
               "a server request is pending with no client left");
  }

  void to_app_server(std::string_view line) override {
    json message = companion::sys::parse_json(line);
    FUZZ_CHECK(message.is_object(), "a line to the app-server is not a JSON object");
    if (rpc::classify(message) == rpc::MessageKind::kRequest) {
      upstream_threads_[message["id"].dump()] = text(field(message, "params"), "threadId");
      return;
    }
    if (rpc::classify(message) != rpc::MessageKind::kResponse) return;
    int& count = server_answered_[message["id"].dump()];
    ++count;
    FUZZ_CHECK(count <= server_requests_[message["id"].dump()],
               "a server request was answered more often than it was asked");
  }

  void to_client(broker::ClientId client, std::string_view line) override {
    json message = companion::sys::parse_json(line);
    FUZZ_CHECK(message.is_object(), "a line to a client is not a JSON object");
    FUZZ_CHECK(live_.count(client) > 0, "a line to a client that is not connected");
    batch_.emplace_back(client, std::move(message));
  }

  void shut_down(const broker::Shutdown&) override { stopped_ = true; }

 private:
  void event(std::string_view line) {
    now_ += 1;
    if (line.size() >= 2 && (line[0] == '+' || line[0] == '-') && line[1] >= '1' &&
        line[1] < '1' + kClients) {
      int n = line[1] - '0';
      if (line[0] == '+') {
        leave(n);
        ids_[n] = next_id_++;
        live_[ids_[n]];
        router_.client_connected(ids_[n]);
      } else {
        leave(n);
      }
    } else if (!line.empty() && line[0] == '@') {
      int64_t step = 0;
      for (char c : line.substr(1, 9)) {
        if (c >= '0' && c <= '9') step = step * 10 + (c - '0');
      }
      now_ += step;
      router_.on_timer(now_);
    } else if (line.size() >= 2 && line[0] >= '1' && line[0] < '1' + kClients && line[1] == ' ') {
      from_client(line[0] - '0', line.substr(2));
    } else {
      json message = companion::sys::parse_json(line);
      if (message.is_object()) {
        note_turns(message);
        router_.from_app_server(message, line, now_);
      }
    }
    settle();
  }

  // What the Router may learn from an app-server line whatever it delivers: which turn runs on
  // which thread (a subagent's turn names it as its root), and which server requests were asked.
  void note_turns(const json& message) {
    const json& params = field(message, "params");
    switch (rpc::classify(message)) {
      case rpc::MessageKind::kRequest:
        server_requests_[message.at("id").dump()] += 1;
        break;
      case rpc::MessageKind::kNotification: {
        std::string turn = text(field(params, "turn"), "id");
        if (text(message, "method") == "turn/started" && !turn.empty()) {
          turn_threads_[turn].insert(text(params, "threadId"));
        }
        break;
      }
      case rpc::MessageKind::kResponse: {
        auto asked = upstream_threads_.find(message.at("id").dump());
        const json& result = field(message, "result");
        std::string turn = text(field(result, "turn"), "id");
        if (asked == upstream_threads_.end() || turn.empty()) break;
        turn_threads_[turn].insert(asked->second);
        turn_threads_[turn].insert(text(result, "reviewThreadId"));
        break;
      }
      case rpc::MessageKind::kInvalid:
        break;
    }
  }

  void from_client(int n, std::string_view line) {
    if (ids_[n] == 0) return;
    json message = companion::sys::parse_json(line);
    if (!message.is_object()) {
      router_.malformed_from_client(ids_[n], line);
      return;
    }
    // Whatever is not a response and carries a request id may be answered (or refused) once.
    auto id = message.find("id");
    if (rpc::classify(message) != rpc::MessageKind::kResponse && id != message.end() &&
        rpc::is_request_id(*id)) {
      live_[ids_[n]].requests.emplace(id->dump(), message);
    }
    router_.from_client(ids_[n], message, line, now_);
  }

  void leave(int n) {
    if (ids_[n] == 0) return;
    router_.client_gone(ids_[n]);
    live_.erase(ids_[n]);
    ids_[n] = 0;
    settle();
  }

  // Checks what one event sent the clients: first what they learned from it (a claim sends a
  // thread's held lines before the answer that claims it), then where each line went.
  void settle() {
    std::map<broker::ClientId, std::size_t> lines;
    bool learned = true;
    while (learned) {
      learned = false;
      for (const auto& [client, message] : batch_) learned |= learn(client, message);
    }
    for (const auto& [client, message] : batch_) {
      FUZZ_CHECK(++lines[client] <= broker::Router::kMaxHeld + 2,
                 "one event sent a client more lines than the held bound");
      check_routed(client, message);
    }
    batch_.clear();
  }

  bool grant(ClientModel& model, const std::string& thread) {
    return !thread.empty() && model.threads.insert(thread).second;
  }

  bool learn(broker::ClientId client, const json& message) {
    auto it = live_.find(client);
    if (it == live_.end()) return false;
    ClientModel& model = it->second;
    const json& params = field(message, "params");
    std::string method = text(message, "method");
    bool learned = false;
    if (message.contains("id") && method.empty()) {
      auto [first, last] = model.requests.equal_range(message["id"].dump());
      const json& result = field(message, "result");
      if (!message.contains("result")) return false;
      for (auto r = first; r != last; ++r) {
        std::string asked = text(r->second, "method");
        std::string thread = text(field(r->second, "params"), "threadId");
        if (asked == "thread/start" || asked == "thread/resume" || asked == "thread/fork") {
          learned |= grant(model, text(field(result, "thread"), "id"));
        }
        if (asked != "turn/start" && asked != "review/start") continue;
        learned |= grant(model, thread);
        learned |= grant(model, text(result, "reviewThreadId"));
        std::string turn = text(field(result, "turn"), "id");
        if (!turn.empty()) turn_threads_[turn].insert(thread);
      }
      return learned;
    }
    std::string thread = text(params, "threadId");
    if (method == "thread/started" &&
        model.threads.count(text(field(params, "thread"), "parentThreadId"))) {
      learned |= grant(model, text(field(params, "thread"), "id"));
    }
    const json& turn = field(params, "turn");
    std::string turn_id = text(turn, "id"), root = text(turn, "rootTurnId");
    if (method == "turn/started" && !thread.empty() && !turn_id.empty()) {
      turn_threads_[turn_id].insert(thread);
    }
    if (method == "turn/started" && !thread.empty() && !root.empty()) {
      for (const auto& owner : turn_threads_[root]) {
        if (model.threads.count(owner)) learned |= grant(model, thread);
      }
    }
    const json& receivers = field(field(params, "item"), "receiverThreadIds");
    if (model.threads.count(thread) && receivers.is_array()) {
      for (const auto& receiver : receivers) {
        if (receiver.is_string()) learned |= grant(model, receiver.get<std::string>());
      }
    }
    return learned;
  }

  void check_routed(broker::ClientId client, const json& message) {
    ClientModel& model = live_[client];
    std::string method = text(message, "method");
    if (method.empty()) {  // a response: at most once per request with its id
      std::string id = message["id"].dump();
      if (message["id"].is_null()) return;  // a parse error or an invalid message, refused
      FUZZ_CHECK(++model.answered[id] <= static_cast<int>(model.requests.count(id)),
                 "a client request was answered more often than it was sent");
      return;
    }
    const json& params = field(message, "params");
    std::string thread =
        method == "thread/started" ? text(field(params, "thread"), "id") : text(params, "threadId");
    if (thread.empty() && message.contains("id")) thread = text(params, "conversationId");
    if (thread.empty()) return;  // for every client
    FUZZ_CHECK(model.threads.count(thread) > 0,
               "a thread's message reached a client that never learned of the thread");
  }

  broker::Router router_;
  std::map<broker::ClientId, ClientModel> live_;
  broker::ClientId ids_[kClients + 1] = {};
  broker::ClientId next_id_ = 1;
  int64_t now_ = 0;
  bool stopped_ = false;
  std::vector<std::pair<broker::ClientId, json>> batch_;
  std::map<std::string, int> server_requests_;  // id (dumped) -> times the app-server asked
  std::map<std::string, int> server_answered_;
  std::map<std::string, std::set<std::string>> turn_threads_;  // turn id -> threads seen with it
  std::map<std::string, std::string> upstream_threads_;  // Router's request id -> its threadId
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  Harness harness;
  harness.run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
