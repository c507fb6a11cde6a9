// Router: the clients' side (the app-server side is router.cc).
#include <fmt/format.h>

#include "broker/router.h"
#include "codex/broker_protocol.h"
#include "codex/server_requests.h"
#include "rpc/jsonrpc.h"

namespace companion::broker {

using Json = nlohmann::json;
using rpc::string_member;

void Router::client_connected(ClientId client) {
  clients_.try_emplace(client);
}

void Router::from_client(ClientId client, const Json& message, std::string_view line,
                         int64_t now_ms) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  switch (rpc::classify(message)) {
    case rpc::MessageKind::kRequest:
      (void)now_ms;
      client_request(client, it->second, message, line.size());
      break;
    case rpc::MessageKind::kResponse:
      client_response(client, message);
      break;
    case rpc::MessageKind::kNotification:
      break;  // `initialized` is the only client notification (ClientNotification.json)
    case rpc::MessageKind::kInvalid: {
      auto id = message.find("id");
      Json reply_id = id != message.end() && rpc::is_request_id(*id) ? *id : Json(nullptr);
      refuse(client, reply_id, rpc::kInvalidRequest,
             "Invalid request: not a JSON-RPC request, response or notification");
      break;
    }
  }
}

void Router::malformed_from_client(ClientId client, std::string_view line) {
  if (!clients_.count(client)) return;
  (void)line;
  refuse(client, nullptr, rpc::kParseError, "Parse error: a line that is not a JSON object");
}

void Router::client_request(ClientId client, Client& state, const Json& message,
                            std::size_t bytes) {
  const Json& id = message["id"];
  const std::string method = rpc::string_member(message, "method");
  const Json& params = rpc::params_of(message);
  if (method == "initialize") {
    if (state.initialized) {
      refuse(client, id, rpc::kInvalidRequest, "Already initialized");
      return;
    }
    state.initialized = true;
    reply(client, rpc::make_response(id, initialize_result_));
    return;
  }
  if (method == codex::kBrokerPing) {
    Json answer = status();
    answer["clients"] = clients_.size() - 1;  // the others: the asker is no user of the broker
    reply(client, rpc::make_response(id, answer));
    return;
  }
  if (method == codex::kBrokerShutdown) {
    answer_shutdown(client, id, params);
    return;
  }
  const std::string thread_id = string_member(params, "threadId");
  if ((method == "turn/start" || method == "review/start" || method == "thread/resume") &&
      refuse_foreign_thread(client, id, method, thread_id)) {
    return;
  }
  if (state.in_flight >= kMaxInFlight || state.in_flight_bytes + bytes > kMaxInFlightBytes) {
    refuse(client, id, codex::kBrokerRefused,
           fmt::format("the broker holds too many requests of this client already ({} waiting)",
                       state.in_flight));
    return;
  }
  int64_t upstream_id = next_upstream_id_++;
  upstream_[upstream_id] = Upstream{client, id, method, thread_id, bytes};
  state.in_flight += 1;
  state.in_flight_bytes += bytes;
  Json copy = message;
  copy["id"] = upstream_id;
  out_.to_app_server(rpc::message_text(copy));
}

bool Router::refuse_foreign_thread(ClientId client, const Json& id, const std::string& method,
                                   const std::string& thread_id) {
  ClientId owner = live_owner(thread_id);
  if (owner == 0 || owner == client) return false;
  refuse(client, id, codex::kBrokerRefused,
         fmt::format("{} refused: thread {} is in use by another client of the broker", method,
                     thread_id));
  return true;
}

void Router::client_response(ClientId client, const Json& message) {
  const Json& id = message["id"];
  if (!id.is_number_integer()) return;
  auto it = forwarded_.find(id.get<int64_t>());
  if (it == forwarded_.end() || it->second.client != client) return;  // late or not ours
  Json copy = message;
  copy["id"] = it->second.server_id;
  forwarded_.erase(it);
  out_.to_app_server(rpc::message_text(copy));
}

void Router::answer_shutdown(ClientId client, const Json& id, const Json& params) {
  auto if_idle = params.is_object() ? params.find("ifIdle") : params.end();
  bool named = params.is_object() && if_idle != params.end() && !if_idle->is_null();
  if (named && !if_idle->is_boolean()) {
    // Whatever the client meant, it did not clearly ask for an unconditional shutdown.
    refuse(client, id, rpc::kInvalidParams, "Invalid params: ifIdle must be true or false");
    return;
  }
  bool only_if_idle = named && if_idle->get<bool>();
  std::size_t others = clients_.size() - (clients_.count(client) ? 1 : 0);
  std::size_t turns = active_turns();
  if (only_if_idle && (others > 0 || turns > 0)) {
    refuse(client, id, codex::kBrokerRefused,
           fmt::format("the broker is in use ({} other clients, {} active turns)", others, turns));
    return;
  }
  reply(client, rpc::make_response(id, Json::object()));
  out_.shut_down(Shutdown{"a client asked the broker to shut down", codex::kCauseStopped, 0});
}

void Router::client_gone(ClientId client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  std::set<std::string> threads = std::move(it->second.threads);
  clients_.erase(it);
  for (auto f = forwarded_.begin(); f != forwarded_.end();) {
    if (f->second.client != client) {
      ++f;
      continue;
    }
    answer_by_policy(f->second.server_id, f->second.method, f->second.params);
    f = forwarded_.erase(f);
  }
  for (const auto& thread_id : threads) {
    auto t = threads_.find(thread_id);
    if (t == threads_.end() || t->second.owner != client) continue;
    if (t->second.active_turn.empty()) {
      forget(t);
      continue;
    }
    t->second.owner = 0;  // released; counted as active until Codex answers the interrupt
    std::string target =
        t->second.current_turn.empty() ? t->second.active_turn : t->second.current_turn;
    interrupt(thread_id, target);
  }
}

void Router::reply(ClientId client, const Json& message) {
  out_.to_client(client, rpc::message_text(message));
}

void Router::refuse(ClientId client, const Json& id, int code, std::string message) {
  reply(client, rpc::make_error_response(id, code, std::move(message)));
}

}  // namespace companion::broker
