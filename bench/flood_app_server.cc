// An app-server stand-in that produces notifications as fast as it can, for measuring the
// broker's relay (bench/relay_bench.cc). Speaks the app-server's line protocol (SPEC.md section 5)
// on stdio; exits at the end of its input. A turn's prompt chooses what it sends:
//   flood:N       N item/agentMessage/delta notifications at once, then turn/completed
//   pace:N:US     N notifications US microseconds apart, each carrying "t": the CLOCK_MONOTONIC
//                 time in ns when it was written (one-way latency), then turn/completed
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void send(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

void respond(const nlohmann::json& id, const nlohmann::json& result) {
  send(nlohmann::json({{"id", id}, {"result", result}}).dump());
  std::fflush(stdout);
}

// A delta notification of a realistic size (~190 bytes, like Codex's).
std::string delta(const std::string& thread, const std::string& turn, int64_t stamp) {
  return R"({"method":"item/agentMessage/delta","params":{"threadId":")" + thread +
         R"(","turnId":")" + turn +
         R"(","itemId":"msg_0123456789abcdef","delta":"some words of )"
         R"(the answer as it streams in","t":)" +
         std::to_string(stamp) + "}}";
}

void turn(const std::string& thread, const std::string& turn_id, const std::string& prompt) {
  long count = 0, pace_us = 0;
  if (std::sscanf(prompt.c_str(), "pace:%ld:%ld", &count, &pace_us) == 2) {
    for (long i = 0; i < count; ++i) {
      send(delta(thread, turn_id, now_ns()));
      std::fflush(stdout);
      usleep(static_cast<useconds_t>(pace_us));
    }
  } else if (std::sscanf(prompt.c_str(), "flood:%ld", &count) == 1) {
    for (long i = 0; i < count; ++i) send(delta(thread, turn_id, 0));
  }
  send(
      nlohmann::json({{"method", "turn/completed"},
                      {"params",
                       {{"threadId", thread},
                        {"turn", {{"id", turn_id}, {"status", "completed"}, {"error", nullptr}}}}}})
          .dump());
  std::fflush(stdout);
}

}  // namespace

int main() {
  static char buffer[1 << 20];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  std::ios::sync_with_stdio(false);
  int threads = 0, turns = 0;
  for (std::string line; std::getline(std::cin, line);) {
    auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object() || !message.contains("id") || !message.contains("method")) continue;
    const auto& id = message["id"];
    std::string method = message["method"].is_string() ? message["method"].get<std::string>() : "";
    const auto& params = message.contains("params") ? message["params"] : nlohmann::json::object();
    if (method == "initialize") {
      respond(id, {{"userAgent", "flood_app_server"}, {"platformOs", "linux"}});
    } else if (method == "thread/start") {
      respond(id, {{"thread", {{"id", "t" + std::to_string(++threads)}}}});
    } else if (method == "turn/start") {
      std::string thread = params.value("threadId", "");
      std::string prompt;
      if (params.contains("input") && params["input"].is_array() && !params["input"].empty()) {
        prompt = params["input"][0].value("text", "");
      }
      std::string turn_id = "u" + std::to_string(++turns);
      respond(id, {{"turn", {{"id", turn_id}, {"status", "inProgress"}}}});
      turn(thread, turn_id, prompt);
    } else {
      respond(id, nlohmann::json::object());
    }
  }
  return 0;
}
