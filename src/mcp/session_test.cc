#include "mcp/session.h"

#include <gtest/gtest.h>

#include "mcp/results.h"

namespace companion::mcp {
namespace {

using nlohmann::json;

std::string line(const json& message) {
  return message.dump();
}

json request(const json& id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

Session initialized(const std::string& version = "2025-11-25", bool roots = false) {
  Session session("1.2.3");
  json caps = roots ? json{{"roots", {{"listChanged", true}}}} : json::object();
  auto step = session.on_line(
      line(request(1, "initialize", {{"protocolVersion", version}, {"capabilities", caps}})));
  EXPECT_EQ(step.send.size(), 1u);
  return session;
}

int error_code(const Step& step) {
  EXPECT_EQ(step.send.size(), 1u);
  return step.send.at(0)["error"]["code"].get<int>();
}

TEST(McpSession, NegotiatesTheClientsVersionOrOurLatest) {
  Session session("1.2.3");
  auto step = session.on_line(line(request(1, "initialize", {{"protocolVersion", "2025-06-18"}})));
  ASSERT_EQ(step.send.size(), 1u);
  EXPECT_EQ(step.send[0]["result"]["protocolVersion"], "2025-06-18");
  EXPECT_FALSE(step.send[0]["result"]["capabilities"].contains("tasks"));
  Session other("1.2.3");
  step = other.on_line(line(request(1, "initialize", {{"protocolVersion", "1999-01-01"}})));
  EXPECT_EQ(step.send[0]["result"]["protocolVersion"], "2025-11-25");
  EXPECT_TRUE(step.send[0]["result"]["capabilities"].contains("tasks"));
  EXPECT_EQ(step.send[0]["result"]["serverInfo"]["version"], "1.2.3");
}

TEST(McpSession, RefusesRequestsBeforeInitializeButPing) {
  Session session("1");
  EXPECT_EQ(error_code(session.on_line(line(request(1, "tools/list")))), -32600);
  auto ping = session.on_line(line(request(2, "ping")));
  EXPECT_EQ(ping.send.at(0)["result"], json::object());
}

TEST(McpSession, AnswersParseErrorsAndInvalidRequestsAndKeepsGoing) {
  Session session = initialized();
  EXPECT_EQ(error_code(session.on_line("not json")), -32700);
  EXPECT_EQ(error_code(session.on_line(std::string(100000, '['))), -32700);
  EXPECT_EQ(error_code(session.on_line("[1,2]")), -32600);
  EXPECT_EQ(error_code(session.on_line("{\"id\":{},\"method\":\"ping\"}")), -32600);
  EXPECT_EQ(error_code(session.on_oversized_line(10)), -32600);
  EXPECT_EQ(error_code(session.on_line(line(request(3, "nope")))), -32601);
  EXPECT_EQ(error_code(session.on_line(line(request(1, "initialize")))), -32600);
  EXPECT_EQ(session.on_line(line(request(4, "tools/list"))).send.at(0)["result"]["tools"].size(),
            7u);
}

TEST(McpSession, ToolCallBecomesWorkWithTheCliWords) {
  Session session = initialized();
  auto step =
      session.on_line(line(request(5, "tools/call",
                                   {{"name", "codex_task"},
                                    {"arguments", {{"prompt", "--write x"}, {"model", "spark"}}},
                                    {"_meta", {{"progressToken", "p1"}}}})));
  ASSERT_EQ(step.work.size(), 1u);
  EXPECT_TRUE(step.send.empty());
  const Work& work = step.work[0];
  EXPECT_EQ(work.progress_token, "p1");
  EXPECT_EQ(cli_argv(work.call, "/w"),
            (std::vector<std::string>{"task", "--background", "--model=spark", "--json", "--cwd=/w",
                                      "--", "--write x"}));
  EXPECT_EQ(work.call.mode, CallMode::kLaunchAndWait);
}

TEST(McpSession, DuplicateIdsAndCancellation) {
  Session session = initialized();
  json call = request(9, "tools/call", {{"name", "codex_status"}, {"arguments", json::object()}});
  EXPECT_EQ(session.on_line(line(call)).work.size(), 1u);
  EXPECT_EQ(error_code(session.on_line(line(call))), -32600);
  auto cancel = session.on_line(line(
      {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 9}}}}));
  EXPECT_EQ(cancel.cancelled, std::vector<json>{9});
  session.finished(9);
  EXPECT_EQ(session.on_line(line(call)).work.size(), 1u);
}

TEST(McpSession, WrongArgumentsAreInvalidParams) {
  Session session = initialized();
  for (json args : {json{{"prompt", 1}}, json{{"prompt", "x"}, {"bogus", true}},
                    json{{"prompt", "x"}, {"resumeThread", 5}}, json::array()}) {
    EXPECT_EQ(error_code(session.on_line(
                  line(request(1, "tools/call", {{"name", "codex_task"}, {"arguments", args}})))),
              -32602)
        << args;
  }
  EXPECT_EQ(error_code(session.on_line(line(request(2, "tools/call", {{"name", "codex_x"}})))),
            -32602);
  EXPECT_EQ(error_code(session.on_line(line(
                request(3, "tools/call", {{"name", "codex_status"}, {"task", json::object()}})))),
            -32601);
}

TEST(McpSession, TasksNeedTheTasksVersion) {
  Session old = initialized("2025-06-18");
  EXPECT_EQ(error_code(old.on_line(line(request(1, "tasks/get", {{"taskId", "task-a"}})))), -32601);
  Session session = initialized();
  auto step = session.on_line(line(request(1, "tasks/get", {{"taskId", "task-a"}})));
  ASSERT_EQ(step.work.size(), 1u);
  EXPECT_EQ(step.work[0].task_id, "task-a");
}

TEST(McpSession, RootsPickTheWorkspace) {
  Session session = initialized("2025-11-25", /*roots=*/true);
  auto step = session.on_line(line({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
  ASSERT_EQ(step.send.size(), 1u);
  json id = step.send[0]["id"];
  EXPECT_EQ(step.send[0]["method"], "roots/list");
  session.on_line(
      line({{"jsonrpc", "2.0"},
            {"id", id},
            {"result", {{"roots", {{{"uri", "https://x"}}, {{"uri", "file:///a%20b"}}}}}}}));
  EXPECT_EQ(session.root(), std::optional<std::string>("/a b"));
}

TEST(McpFileUri, DecodesLocalPathsOnly) {
  EXPECT_EQ(file_uri_path("file:///tmp/x"), std::optional<std::string>("/tmp/x"));
  EXPECT_EQ(file_uri_path("file://localhost/tmp"), std::optional<std::string>("/tmp"));
  EXPECT_EQ(file_uri_path("file://host/tmp"), std::nullopt);
  EXPECT_EQ(file_uri_path("file:///a%00b"), std::nullopt);
  EXPECT_EQ(file_uri_path("file:///a%4"), std::nullopt);
  EXPECT_EQ(file_uri_path("http:///a"), std::nullopt);
}

TEST(McpResults, CliErrorsAreTheLastStderrLine) {
  auto outcome = read_cli_outcome(1, "", "note\ncodex-companion: bad effort\n", "task");
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.error, "codex-companion: bad effort");
  EXPECT_FALSE(read_cli_outcome(0, "[]", "", "task").ok);
  EXPECT_TRUE(read_cli_outcome(0, "{\"a\":1}", "", "task").ok);
}

TEST(McpResults, TaskOfAJob) {
  json task = task_of({{"id", "task-a"},
                       {"status", "running"},
                       {"createdAt", "t0"},
                       {"updatedAt", "t1"},
                       {"phase", "running"}});
  EXPECT_EQ(task["taskId"], "task-a");
  EXPECT_EQ(task["status"], "working");
  EXPECT_TRUE(task["ttl"].is_null());
  EXPECT_EQ(task_of({{"id", "x"}, {"status", "cancelled"}})["status"], "cancelled");
  json still = still_running_result({{"id", "task-a"}, {"status", "running"}});
  EXPECT_TRUE(still["content"][0].is_object());
  EXPECT_EQ(still["structuredContent"]["jobId"], "task-a");
}

}  // namespace
}  // namespace companion::mcp
