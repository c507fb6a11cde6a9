// Router: the app-server side and thread ownership (the client side is router_client.cc).
#include "broker/router.h"

#include <algorithm>
#include <limits>

#include "codex/broker_protocol.h"
#include "codex/server_requests.h"
#include "rpc/jsonrpc.h"

namespace companion::broker {

using Json = nlohmann::json;
using rpc::string_member;

namespace {

const Json& member(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// A copy of `message` with another id, as a line.
std::string with_id(const Json& message, const Json& id) {
  Json copy = message;
  copy["id"] = id;
  return rpc::message_text(copy);
}

}  // namespace

Router::Router(RouterOutput& out, RouterOptions options) : out_(out), options_(options) {}

void Router::set_initialize_result(Json result) {
  initialize_result_ = std::move(result);
}

void Router::set_info(Json info) {
  if (info.is_object()) info_ = std::move(info);
}

// --- the app-server's messages ----------------------------------------------------------------

void Router::from_app_server(const Json& message, std::string_view line, int64_t now_ms) {
  switch (rpc::classify(message)) {
    case rpc::MessageKind::kResponse:
      app_server_response(message);
      break;
    case rpc::MessageKind::kNotification:
      notification(rpc::string_member(message, "method"), rpc::params_of(message), line);
      break;
    case rpc::MessageKind::kRequest:
      server_request(message, now_ms);
      break;
    case rpc::MessageKind::kInvalid:
      break;
  }
}

void Router::app_server_response(const Json& message) {
  const Json& id = message["id"];
  if (!id.is_number_integer()) return;
  auto it = upstream_.find(id.get<int64_t>());
  if (it == upstream_.end()) return;
  Upstream request = std::move(it->second);
  upstream_.erase(it);
  if (request.client == 0) {
    own_response(request);
    return;
  }
  auto client = clients_.find(request.client);
  if (client != clients_.end()) {
    client->second.in_flight -= 1;
    client->second.in_flight_bytes -= std::min(client->second.in_flight_bytes, request.bytes);
  }
  const Json& result = member(message, "result");
  bool ok = message.contains("result") && member(message, "error").is_null();
  if (ok) learn_from_response(request, result);
  if (client != clients_.end()) out_.to_client(request.client, with_id(message, request.client_id));
}

// Our own requests are interrupts of turns whose client left: whatever the answer, the turn
// no longer counts as active.
void Router::own_response(const Upstream& request) {
  if (request.method != "turn/interrupt") return;
  auto it = threads_.find(request.thread_id);
  if (it == threads_.end() || it->second.owner != 0) return;  // taken over meanwhile
  turn_threads_.erase(it->second.active_turn);
  forget(it);
}

void Router::learn_from_response(const Upstream& request, const Json& result) {
  const std::string& method = request.method;
  bool live = clients_.count(request.client) > 0;
  if (method == "thread/start" || method == "thread/resume" || method == "thread/fork") {
    if (live) claim(string_member(member(result, "thread"), "id"), request.client);
    return;
  }
  if (method != "turn/start" && method != "review/start") return;
  std::string thread_id = request.thread_id;
  if (method == "review/start") {
    std::string review_thread = string_member(result, "reviewThreadId");
    if (!review_thread.empty()) thread_id = review_thread;
  }
  const Json& turn = member(result, "turn");
  std::string turn_id = string_member(turn, "id");
  std::string status = string_member(turn, "status");
  if (thread_id.empty()) return;
  if (live && live_owner(thread_id) == 0) claim(thread_id, request.client);
  if (turn_id.empty() || (!status.empty() && status != "inProgress")) return;
  set_active_turn(thread_id, turn_id);
  if (!live) {
    // The client left while its turn was being started: nobody waits for that turn.
    threads_[thread_id].owner = 0;
    interrupt(thread_id, turn_id);
  }
}

void Router::notification(const std::string& method, const Json& params, std::string_view line) {
  std::string thread_id;
  if (method == "thread/started") {
    const Json& thread = member(params, "thread");
    thread_id = string_member(thread, "id");
    ClientId parent_owner = live_owner(string_member(thread, "parentThreadId"));
    if (parent_owner != 0 && live_owner(thread_id) == 0) claim(thread_id, parent_owner);
  } else {
    thread_id = string_member(params, "threadId");
  }
  if (thread_id.empty()) {
    for (const auto& [client, state] : clients_) out_.to_client(client, line);
    return;
  }
  learn_from_notification(method, thread_id, params);
  deliver(thread_id, line);
}

void Router::learn_from_notification(const std::string& method, const std::string& thread_id,
                                     const Json& params) {
  if (method == "turn/started") {
    const Json& turn = member(params, "turn");
    std::string turn_id = string_member(turn, "id");
    std::string root = string_member(turn, "rootTurnId");
    auto root_thread = turn_threads_.find(root);
    if (live_owner(thread_id) == 0 && root_thread != turn_threads_.end()) {
      ClientId owner = live_owner(root_thread->second);
      if (owner != 0) claim(thread_id, owner);  // a subagent's turn names our turn as its root
    }
    auto it = threads_.find(thread_id);
    if (it == threads_.end() || turn_id.empty()) return;
    it->second.current_turn = turn_id;
    if (!it->second.active_turn.empty()) return;
    bool inner = root_thread != turn_threads_.end() && root_thread->second == thread_id;
    set_active_turn(thread_id, inner ? root : turn_id);
  } else if (method == "turn/completed") {
    end_turn(thread_id, string_member(member(params, "turn"), "id"));
  } else if (method == "item/started" || method == "item/completed") {
    const Json& item = member(params, "item");
    if (string_member(item, "type") != "collabAgentToolCall") return;
    ClientId owner = live_owner(thread_id);
    const Json& receivers = member(item, "receiverThreadIds");
    if (owner == 0 || !receivers.is_array()) return;
    for (const auto& receiver : receivers) {
      if (receiver.is_string() && live_owner(receiver.get<std::string>()) == 0) {
        claim(receiver.get<std::string>(), owner);
      }
    }
  }
}

void Router::server_request(const Json& message, int64_t now_ms) {
  std::string method = rpc::string_member(message, "method");
  const Json& params = rpc::params_of(message);
  std::string thread_id = string_member(params, "threadId");
  if (thread_id.empty()) thread_id = string_member(params, "conversationId");
  ClientId owner = live_owner(thread_id);
  if (owner == 0) {
    answer_by_policy(message["id"], method, params);
    return;
  }
  int64_t id = next_forwarded_id_++;
  forwarded_[id] =
      Forwarded{message["id"], owner, method, params, now_ms + options_.server_request_timeout_ms};
  out_.to_client(owner, with_id(message, id));
}

void Router::answer_by_policy(const Json& server_id, const std::string& method,
                              const Json& params) {
  codex::ServerAnswer answer = codex::answer_server_request(method, params);
  out_.to_app_server(rpc::message_text(codex::response_for(server_id, answer)));
}

void Router::on_timer(int64_t now_ms) {
  for (auto it = forwarded_.begin(); it != forwarded_.end();) {
    if (it->second.deadline_ms <= now_ms) {
      answer_by_policy(it->second.server_id, it->second.method, it->second.params);
      it = forwarded_.erase(it);
    } else {
      ++it;
    }
  }
}

int64_t Router::next_deadline() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& [id, request] : forwarded_) next = std::min(next, request.deadline_ms);
  return next;
}

// --- threads ------------------------------------------------------------------------------------

ClientId Router::live_owner(const std::string& thread_id) const {
  if (thread_id.empty()) return 0;
  auto it = threads_.find(thread_id);
  if (it == threads_.end() || it->second.owner == 0) return 0;
  return clients_.count(it->second.owner) ? it->second.owner : 0;
}

void Router::claim(const std::string& thread_id, ClientId client) {
  auto owner = clients_.find(client);
  if (thread_id.empty() || owner == clients_.end()) return;
  if (owner->second.threads.size() >= kMaxThreadsPerClient &&
      !owner->second.threads.count(thread_id)) {
    return;  // its notifications are held, then dropped: this client keeps too many threads
  }
  Thread& thread = threads_[thread_id];
  if (thread.owner != 0 && thread.owner != client) {
    auto previous = clients_.find(thread.owner);
    if (previous != clients_.end()) previous->second.threads.erase(thread_id);
  }
  thread.owner = client;
  owner->second.threads.insert(thread_id);
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->thread_id != thread_id) {
      ++it;
      continue;
    }
    out_.to_client(client, it->line);
    held_bytes_ -= it->line.size();
    it = held_.erase(it);
  }
}

void Router::set_active_turn(const std::string& thread_id, const std::string& turn_id) {
  Thread& thread = threads_[thread_id];
  if (!thread.active_turn.empty() && thread.active_turn != turn_id) {
    turn_threads_.erase(thread.active_turn);
  }
  thread.active_turn = turn_id;
  turn_threads_[turn_id] = thread_id;
}

void Router::end_turn(const std::string& thread_id, const std::string& turn_id) {
  auto it = threads_.find(thread_id);
  if (it == threads_.end() || turn_id.empty() || it->second.active_turn != turn_id) return;
  turn_threads_.erase(turn_id);
  it->second.active_turn.clear();
  it->second.current_turn.clear();
  if (it->second.owner == 0) forget(it);
}

// A released thread nobody uses any more: the broker's connection stops following it, so the
// app-server can unload it (codex 0.169.0 does about a minute after thread/unsubscribe) and a
// long-lived app-server does not keep every job's thread loaded.
void Router::forget(std::unordered_map<std::string, Thread>::iterator it) {
  std::string thread_id = it->first;
  threads_.erase(it);
  own_request("thread/unsubscribe", thread_id, {{"threadId", thread_id}});
}

void Router::own_request(const char* method, const std::string& thread_id, Json params) {
  int64_t id = next_upstream_id_++;
  upstream_[id] = Upstream{0, nullptr, method, thread_id, 0};
  Json request = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  out_.to_app_server(rpc::message_text(request));
}

void Router::interrupt(const std::string& thread_id, const std::string& turn_id) {
  own_request("turn/interrupt", thread_id, {{"threadId", thread_id}, {"turnId", turn_id}});
}

void Router::hold(const std::string& thread_id, std::string_view line) {
  if (line.size() > kMaxHeldBytes) return;
  while (!held_.empty() &&
         (held_.size() >= kMaxHeld || held_bytes_ + line.size() > kMaxHeldBytes)) {
    held_bytes_ -= held_.front().line.size();
    held_.pop_front();
  }
  held_.push_back(Held{thread_id, std::string(line)});
  held_bytes_ += line.size();
}

void Router::deliver(const std::string& thread_id, std::string_view line) {
  auto it = threads_.find(thread_id);
  if (it == threads_.end()) {
    hold(thread_id, line);
    return;
  }
  ClientId owner = live_owner(thread_id);
  if (owner != 0) out_.to_client(owner, line);
  // Released threads (owner 0) drop their traffic: nobody waits for it.
}

// --- state --------------------------------------------------------------------------------------

void Router::broadcast_shutting_down(const Shutdown& why) {
  std::string line = rpc::message_text(rpc::make_notification(
      codex::kBrokerShuttingDown, {{"reason", why.reason}, {"cause", why.cause}}));
  for (const auto& [client, state] : clients_) out_.to_client(client, line);
}

bool Router::idle() const {
  return clients_.empty() && active_turns() == 0;
}

std::size_t Router::active_turns() const {
  return static_cast<std::size_t>(
      std::count_if(threads_.begin(), threads_.end(),
                    [](const auto& t) { return !t.second.active_turn.empty(); }));
}

Json Router::status() const {
  Json out = info_;
  out["clients"] = clients_.size();
  out["activeTurns"] = active_turns();
  out["threads"] = threads_.size();
  out["pendingServerRequests"] = forwarded_.size();
  return out;
}

}  // namespace companion::broker
