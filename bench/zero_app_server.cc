// A zero-latency app-server for measuring the companion's own overhead: it answers the
// handshake, thread and turn requests at once and completes every turn immediately.
// Speaks the same line protocol as `codex app-server` (SPEC.md section 5); exits on EOF.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

void send(const nlohmann::json& message) {
  std::cout << message.dump() << '\n' << std::flush;
}

void complete_turn(const std::string& thread, const std::string& turn) {
  send({{"method", "turn/started"},
        {"params", {{"threadId", thread}, {"turn", {{"id", turn}, {"status", "inProgress"}}}}}});
  nlohmann::json item = {
      {"type", "agentMessage"}, {"id", "msg-1"}, {"text", "done"}, {"phase", "final_answer"}};
  send({{"method", "item/completed"},
        {"params", {{"threadId", thread}, {"turnId", turn}, {"item", item}}}});
  send({{"method", "turn/completed"},
        {"params", {{"threadId", thread}, {"turn", {{"id", turn}, {"status", "completed"}}}}}});
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  const std::string thread = "thread-zero";
  int turns = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    auto msg = nlohmann::json::parse(line, nullptr, false);
    if (msg.is_discarded() || !msg.contains("id") || !msg.contains("method")) continue;
    std::string method = msg["method"].get<std::string>();
    nlohmann::json result = nlohmann::json::object();
    if (method == "initialize") {
      result = {{"userAgent", "zero/0"},
                {"codexHome", "/tmp"},
                {"platformFamily", "unix"},
                {"platformOs", "linux"}};
    } else if (method == "thread/start" || method == "thread/resume") {
      result = {{"thread", {{"id", thread}}}, {"model", "zero"}};
    } else if (method == "turn/start" || method == "review/start") {
      std::string turn = "turn-" + std::to_string(++turns);
      send({{"id", msg["id"]}, {"result", {{"turn", {{"id", turn}, {"status", "inProgress"}}}}}});
      complete_turn(thread, turn);
      continue;
    }
    send({{"id", msg["id"]}, {"result", result}});
  }
  return 0;
}
