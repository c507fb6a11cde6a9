#include "broker/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "codex/broker_protocol.h"
#include "rpc/jsonrpc.h"

namespace companion::broker {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

class Recorder : public RouterOutput {
 public:
  void to_app_server(std::string_view line) override { app.push_back(Json::parse(line)); }
  void to_client(ClientId client, std::string_view line) override {
    clients[client].push_back(Json::parse(line));
  }
  void shut_down(const Shutdown& why) override { shutdowns.push_back(why); }

  // Everything sent to `client` so far, then forgotten.
  std::vector<Json> take(ClientId client) { return std::exchange(clients[client], {}); }
  std::vector<Json> take_app() { return std::exchange(app, {}); }

  std::vector<Json> app;
  std::map<ClientId, std::vector<Json>> clients;
  std::vector<Shutdown> shutdowns;
};

Json request(Json id, std::string method, Json params = Json::object()) {
  return {{"id", std::move(id)}, {"method", std::move(method)}, {"params", std::move(params)}};
}

Json note(std::string method, Json params) {
  return {{"method", std::move(method)}, {"params", std::move(params)}};
}

Json turn_note(const std::string& method, const std::string& thread, const std::string& turn,
               const std::string& root = "") {
  Json t = {{"id", turn}, {"status", method == "turn/started" ? "inProgress" : "completed"}};
  if (!root.empty()) t["rootTurnId"] = root;
  return note(method, {{"threadId", thread}, {"turn", t}});
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(out_, RouterOptions{1000}) {
    router_.set_initialize_result({{"userAgent", "codex/0.169.0"}});
    router_.set_info({{"pid", 42}});
  }

  void connect(ClientId c) { router_.client_connected(c); }
  void client(ClientId c, const Json& message, int64_t now = 0) {
    router_.from_client(c, message, message.dump(), now);
  }
  void app(const Json& message, int64_t now = 0) {
    router_.from_app_server(message, message.dump(), now);
  }
  // Sends a client request through and answers it upstream with `result`; returns what the
  // client received.
  std::vector<Json> round_trip(ClientId c, const Json& req, const Json& result) {
    client(c, req);
    auto sent = out_.take_app();
    EXPECT_EQ(sent.size(), 1u);
    if (sent.empty()) return {};
    app({{"id", sent[0]["id"]}, {"result", result}});
    return out_.take(c);
  }
  void start_thread(ClientId c, const std::string& thread) {
    round_trip(c, request(100, "thread/start"), {{"thread", {{"id", thread}}}});
  }
  void start_turn(ClientId c, const std::string& thread, const std::string& turn) {
    round_trip(c, request(101, "turn/start", {{"threadId", thread}}),
               {{"turn", {{"id", turn}, {"status", "inProgress"}}}});
  }

  Recorder out_;
  Router router_;
};

TEST_F(RouterTest, InitializeIsAnsweredFromTheCachedAnswerOncePerClient) {
  connect(1);
  client(1, request("init", "initialize", {{"clientInfo", {{"name", "x"}}}}));
  client(1, {{"method", "initialized"}});
  client(1, request(2, "initialize"));
  auto got = out_.take(1);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], Json({{"id", "init"}, {"result", {{"userAgent", "codex/0.169.0"}}}}));
  EXPECT_EQ(got[1]["error"]["message"], "Already initialized");
  EXPECT_TRUE(out_.app.empty());  // nothing reached the app-server
}

TEST_F(RouterTest, RequestIdsAreRewrittenAndAnswersReturnUnderTheClientsIds) {
  connect(1);
  connect(2);
  client(1, request("same", "thread/list", {{"cwd", "/a"}}));
  client(2, request("same", "thread/list", {{"cwd", "/b"}}));
  client(2, request(7, "account/read"));
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_NE(sent[0]["id"], sent[1]["id"]);
  EXPECT_TRUE(sent[0]["id"].is_number_integer());
  EXPECT_EQ(sent[1]["params"]["cwd"], "/b");
  // Answered out of order.
  app({{"id", sent[2]["id"]}, {"result", {{"account", nullptr}}}});
  app({{"id", sent[1]["id"]}, {"error", {{"code", -32600}, {"message", "bad"}}}});
  app({{"id", sent[0]["id"]}, {"result", {{"data", Json::array()}}}});
  app({{"id", 9999}, {"result", {}}});  // unknown: dropped
  auto one = out_.take(1);
  auto two = out_.take(2);
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(one[0], Json({{"id", "same"}, {"result", {{"data", Json::array()}}}}));
  EXPECT_EQ(two[0]["id"], 7);
  EXPECT_EQ(two[1]["id"], "same");
  EXPECT_EQ(two[1]["error"]["message"], "bad");
}

TEST_F(RouterTest, EachClientGetsOnlyItsOwnThreadsNotifications) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  start_thread(2, "t2");
  start_turn(1, "t1", "u1");
  start_turn(2, "t2", "u2");
  for (int i = 0; i < 3; ++i) {
    app(note("item/completed", {{"threadId", "t1"}, {"turnId", "u1"}, {"n", i}}));
    app(note("item/completed", {{"threadId", "t2"}, {"turnId", "u2"}, {"n", i}}));
  }
  app(turn_note("turn/completed", "t2", "u2"));
  auto one = out_.take(1);
  auto two = out_.take(2);
  ASSERT_EQ(one.size(), 3u);
  ASSERT_EQ(two.size(), 4u);
  for (const auto& m : one) EXPECT_EQ(m["params"]["threadId"], "t1");
  for (const auto& m : two) EXPECT_EQ(m["params"]["threadId"], "t2");
  EXPECT_EQ(one[2]["params"]["n"], 2);
  EXPECT_EQ(router_.active_turns(), 1u);
}

TEST_F(RouterTest, NotificationsWithoutAThreadGoToEveryClient) {
  connect(1);
  connect(2);
  app(note("account/rateLimits/updated", {{"rateLimits", Json::object()}}));
  EXPECT_EQ(out_.take(1).size(), 1u);
  EXPECT_EQ(out_.take(2).size(), 1u);
}

TEST_F(RouterTest, NotificationsBeforeTheClaimAreHeldThenDeliveredInOrder) {
  connect(1);
  client(1, request(1, "thread/start"));
  auto sent = out_.take_app();
  app(note("thread/started", {{"thread", {{"id", "t1"}}}}));
  app(note("thread/status/changed", {{"threadId", "t1"}}));
  EXPECT_TRUE(out_.take(1).empty());
  app({{"id", sent[0]["id"]}, {"result", {{"thread", {{"id", "t1"}}}}}});
  auto got = out_.take(1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]["method"], "thread/started");
  EXPECT_EQ(got[1]["method"], "thread/status/changed");
  EXPECT_EQ(got[2]["id"], 1);  // the response after the notifications that preceded it
}

TEST_F(RouterTest, HeldNotificationsAreBounded) {
  connect(1);
  for (std::size_t i = 0; i < Router::kMaxHeld + 100; ++i) {
    app(note("item/started", {{"threadId", "nobody"}, {"n", i}}));
  }
  auto got = round_trip(1, request(100, "thread/start"), {{"thread", {{"id", "nobody"}}}});
  ASSERT_EQ(got.size(), Router::kMaxHeld + 1);  // the newest held ones, then the response
  EXPECT_EQ(got[0]["params"]["n"], 100);
}

TEST_F(RouterTest, ReviewThreadAndItsInnerTurnBelongToTheReviewer) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  round_trip(1, request(5, "review/start", {{"threadId", "t1"}}),
             {{"turn", {{"id", "r1"}, {"status", "inProgress"}}}, {"reviewThreadId", "rv"}});
  app(turn_note("turn/started", "rv", "inner", "r1"));
  app(note("item/completed", {{"threadId", "rv"}, {"turnId", "r1"}}));
  EXPECT_EQ(out_.take(1).size(), 2u);
  EXPECT_TRUE(out_.take(2).empty());
  EXPECT_EQ(router_.active_turns(), 1u);
  // Leaving interrupts the inner turn, the one Codex reports as active; the idle thread is
  // unsubscribed.
  router_.client_gone(1);
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0]["method"], "turn/interrupt");
  EXPECT_EQ(sent[0]["params"], Json({{"threadId", "rv"}, {"turnId", "inner"}}));
  EXPECT_EQ(sent[1]["method"], "thread/unsubscribe");
  EXPECT_EQ(sent[1]["params"], Json({{"threadId", "t1"}}));
}

TEST_F(RouterTest, SubagentThreadsFollowTheirParentsOwner) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  start_turn(1, "t1", "u1");
  // By parentThreadId, by receiverThreadIds, by rootTurnId.
  app(note("thread/started", {{"thread", {{"id", "s1"}, {"parentThreadId", "t1"}}}}));
  app(note("item/completed",
           {{"threadId", "t1"},
            {"item", {{"type", "collabAgentToolCall"}, {"receiverThreadIds", {"s2"}}}}}));
  app(turn_note("turn/started", "s3", "v3", "u1"));
  app(note("item/completed", {{"threadId", "s1"}}));
  app(note("item/completed", {{"threadId", "s2"}}));
  app(note("item/completed", {{"threadId", "s3"}}));
  auto got = out_.take(1);
  EXPECT_EQ(got.size(), 6u);
  EXPECT_TRUE(out_.take(2).empty());
  app(turn_note("turn/completed", "s3", "v3"));
  EXPECT_EQ(router_.active_turns(), 1u);  // the subagent's own turn ended, the root's runs
}

TEST_F(RouterTest, ServerRequestGoesToTheOwnerAndItsAnswerBackUnderTheServersId) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  app({{"id", "srv-1"},
       {"method", "item/commandExecution/requestApproval"},
       {"params", {{"threadId", "t1"}, {"command", "ls"}}}});
  auto got = out_.take(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["method"], "item/commandExecution/requestApproval");
  EXPECT_TRUE(got[0]["id"].is_number_integer());
  EXPECT_TRUE(out_.take(2).empty());
  client(2, {{"id", got[0]["id"]}, {"result", {{"decision", "accept"}}}});  // not its request
  EXPECT_TRUE(out_.take_app().empty());
  client(1, {{"id", got[0]["id"]}, {"result", {{"decision", "decline"}}}});
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], Json({{"id", "srv-1"}, {"result", {{"decision", "decline"}}}}));
  router_.on_timer(5000);
  EXPECT_TRUE(out_.take_app().empty());  // answered once only
}

TEST_F(RouterTest, ServerRequestWithoutALiveOwnerIsDeclinedAtOnce) {
  connect(1);
  app({{"id", 3}, {"method", "item/fileChange/requestApproval"}, {"params", {{"threadId", "x"}}}});
  app({{"id", 4}, {"method", "execCommandApproval"}, {"params", {{"conversationId", "y"}}}});
  app({{"id", 5}, {"method", "account/chatgptAuthTokens/refresh"}, {"params", {}}});
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], Json({{"id", 3}, {"result", {{"decision", "decline"}}}}));
  EXPECT_EQ(sent[1]["result"]["decision"], "denied");
  EXPECT_EQ(sent[2]["error"]["code"], -32601);
  EXPECT_TRUE(out_.take(1).empty());
}

TEST_F(RouterTest, SlowOwnerIsAnsweredForAtTheDeadlineAndItsLateAnswerDropped) {
  connect(1);
  start_thread(1, "t1");
  app({{"id", 8}, {"method", "item/tool/requestUserInput"}, {"params", {{"threadId", "t1"}}}}, 100);
  auto forwarded = out_.take(1);
  EXPECT_EQ(router_.next_deadline(), 1100);
  router_.on_timer(1099);
  EXPECT_TRUE(out_.app.empty());
  router_.on_timer(1100);
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], Json({{"id", 8}, {"result", {{"answers", Json::object()}}}}));
  client(1, {{"id", forwarded[0]["id"]}, {"result", {{"answers", {{"q", "a"}}}}}});
  EXPECT_TRUE(out_.take_app().empty());
}

TEST_F(RouterTest, ClientLeavingMidTurnIsInterruptedReleasedAndItsRequestsDeclined) {
  connect(1);
  start_thread(1, "t1");
  start_turn(1, "t1", "u1");
  app({{"id", 9}, {"method", "item/fileChange/requestApproval"}, {"params", {{"threadId", "t1"}}}});
  out_.take(1);
  router_.client_gone(1);
  auto sent = out_.take_app();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], Json({{"id", 9}, {"result", {{"decision", "decline"}}}}));
  EXPECT_EQ(sent[1]["method"], "turn/interrupt");
  EXPECT_EQ(sent[1]["params"], Json({{"threadId", "t1"}, {"turnId", "u1"}}));
  EXPECT_FALSE(router_.idle());  // the turn still runs until Codex answers the interrupt
  app(turn_note("turn/completed", "t1", "u1"));  // nobody gets it
  app({{"id", sent[1]["id"]}, {"result", Json::object()}});
  EXPECT_TRUE(router_.idle());
  EXPECT_EQ(router_.status()["threads"], 0);
  auto released = out_.take_app();  // once, though both the end and the answer came
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0]["method"], "thread/unsubscribe");
  EXPECT_TRUE(out_.take(1).empty());
  // A new client may take the released thread over.
  connect(2);
  client(2, request(1, "thread/resume", {{"threadId", "t1"}}));
  EXPECT_EQ(out_.take_app().size(), 1u);
}

TEST_F(RouterTest, ClientLeavingWhileItsTurnStartsGetsThatTurnInterrupted) {
  connect(1);
  start_thread(1, "t1");
  client(1, request(2, "turn/start", {{"threadId", "t1"}}));
  auto sent = out_.take_app();
  router_.client_gone(1);
  auto released = out_.take_app();  // no turn yet: just released
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0]["method"], "thread/unsubscribe");
  app({{"id", sent[0]["id"]}, {"result", {{"turn", {{"id", "u1"}, {"status", "inProgress"}}}}}});
  auto after = out_.take_app();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["method"], "turn/interrupt");
  EXPECT_EQ(after[0]["params"], Json({{"threadId", "t1"}, {"turnId", "u1"}}));
  EXPECT_FALSE(router_.idle());
  app({{"id", after[0]["id"]}, {"error", {{"code", -32600}, {"message", "no active turn"}}}});
  EXPECT_TRUE(router_.idle());
}

TEST_F(RouterTest, AnyClientMayInterruptButOnlyTheOwnerStartsTurns) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  start_turn(1, "t1", "u1");
  client(2, request("i", "turn/interrupt", {{"threadId", "t1"}, {"turnId", "u1"}}));
  EXPECT_EQ(out_.take_app().size(), 1u);
  client(2, request("s", "turn/start", {{"threadId", "t1"}}));
  client(2, request("r", "thread/resume", {{"threadId", "t1"}}));
  EXPECT_TRUE(out_.take_app().empty());
  auto got = out_.take(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["error"]["code"], codex::kBrokerRefused);
  EXPECT_THAT(got[0]["error"]["message"].get<std::string>(),
              HasSubstr("thread t1 is in use by another client"));
}

// Fault: broker/shutdown {"ifIdle": "yes"} (or 1) was read as no ifIdle at all, so a client
// that meant "only if idle" shut down a broker serving other clients' turns.
TEST_F(RouterTest, ShutdownWithAnIfIdleOfTheWrongTypeIsRefusedNotForced) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  start_turn(1, "t1", "u1");
  for (const Json& bad : {Json("yes"), Json(1), Json::object(), Json::array({true})}) {
    client(2, request(7, codex::kBrokerShutdown, {{"ifIdle", bad}}));
    auto answer = out_.take(2);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0]["error"]["code"], rpc::kInvalidParams);
    EXPECT_THAT(answer[0]["error"]["message"].get<std::string>(), HasSubstr("ifIdle"));
  }
  EXPECT_TRUE(out_.shutdowns.empty());
}

TEST_F(RouterTest, PingAndShutdown) {
  connect(1);
  connect(2);
  start_thread(1, "t1");
  client(1, request(1, codex::kBrokerPing));
  auto ping = out_.take(1);
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0]["result"]["pid"], 42);
  EXPECT_EQ(ping[0]["result"]["clients"], 1);  // the other one
  EXPECT_EQ(ping[0]["result"]["threads"], 1);
  client(2, request(2, codex::kBrokerShutdown, {{"ifIdle", true}}));
  EXPECT_EQ(out_.take(2)[0]["error"]["code"], codex::kBrokerRefused);
  EXPECT_TRUE(out_.shutdowns.empty());
  router_.client_gone(1);
  client(2, request(3, codex::kBrokerShutdown, {{"ifIdle", true}}));
  EXPECT_EQ(out_.take(2)[0], Json({{"id", 3}, {"result", Json::object()}}));
  ASSERT_EQ(out_.shutdowns.size(), 1u);
  EXPECT_EQ(out_.shutdowns[0].exit_code, 0);
  router_.broadcast_shutting_down(out_.shutdowns[0]);
  auto last = out_.take(2);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["method"], codex::kBrokerShuttingDown);
  EXPECT_EQ(last[0]["params"]["cause"], codex::kCauseStopped);
}

TEST_F(RouterTest, RequestsWaitingForCodexAreBoundedPerClient) {
  connect(1);
  for (std::size_t i = 0; i < Router::kMaxInFlight + 5; ++i) client(1, request(i, "thread/list"));
  EXPECT_EQ(out_.take_app().size(), Router::kMaxInFlight);
  auto refused = out_.take(1);
  ASSERT_EQ(refused.size(), 5u);
  EXPECT_EQ(refused[0]["error"]["code"], codex::kBrokerRefused);
}

TEST_F(RouterTest, BadClientMessagesGetErrorsAndChangeNothing) {
  connect(1);
  router_.malformed_from_client(1, "not json");
  client(1, {{"id", 1}});
  client(1, {{"id", {{"x", 1}}}, {"method", "thread/list"}});
  client(1, {{"method", 7}});
  auto got = out_.take(1);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0]["error"]["code"], -32700);
  EXPECT_TRUE(got[0]["id"].is_null());
  EXPECT_EQ(got[1]["id"], 1);
  EXPECT_EQ(got[1]["error"]["code"], -32600);
  EXPECT_TRUE(out_.app.empty());
}

TEST_F(RouterTest, IdleMeansNoClientAndNoTurn) {
  EXPECT_TRUE(router_.idle());
  connect(1);
  EXPECT_FALSE(router_.idle());
  router_.client_gone(1);
  EXPECT_TRUE(router_.idle());
}

// Random traffic from both sides never throws, and the bounds hold.
TEST_F(RouterTest, RandomTrafficKeepsTheBounds) {
  std::mt19937 rng(1234);
  const std::vector<std::string> methods = {
      "thread/start",  "turn/start",     "review/start",   "turn/interrupt",
      "thread/resume", "broker/ping",    "initialize",     "thread/started",
      "turn/started",  "turn/completed", "item/completed", "item/commandExecution/requestApproval"};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  auto thread = [&] { return "t" + std::to_string(pick(6)); };
  for (ClientId c = 1; c <= 4; ++c) connect(c);
  for (int step = 0; step < 20000; ++step) {
    const std::string& method = methods[pick(methods.size())];
    Json params = {{"threadId", thread()},
                   {"turn", {{"id", "u" + std::to_string(pick(6))}, {"rootTurnId", "u1"}}},
                   {"thread", {{"id", thread()}, {"parentThreadId", thread()}}},
                   {"item", {{"type", "collabAgentToolCall"}, {"receiverThreadIds", {thread()}}}}};
    ClientId c = 1 + pick(4);
    switch (pick(6)) {
      case 0:
        client(c, request(step, method, params), step);
        break;
      case 1:
        app({{"id", static_cast<int64_t>(pick(200))},
             {"result", {{"thread", params["thread"]}, {"turn", params["turn"]}}}},
            step);
        break;
      case 2:
        app(note(method, params), step);
        break;
      case 3:
        app(request(step, method, params), step);
        break;
      case 4:
        client(c, {{"id", static_cast<int64_t>(pick(50))}, {"result", {}}}, step);
        break;
      default:
        if (pick(20) == 0) {
          router_.client_gone(c);
          connect(c);
        }
        router_.on_timer(step);
    }
    out_.app.clear();
    out_.clients.clear();
  }
  EXPECT_LE(router_.status()["threads"].get<std::size_t>(), 64u);
  for (ClientId c = 1; c <= 4; ++c) router_.client_gone(c);
  EXPECT_EQ(router_.clients(), 0u);
}

}  // namespace
}  // namespace companion::broker
