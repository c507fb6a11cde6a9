#include "rpc/connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include "rpc/event.h"
#include "rpc/stream_transport.h"
#include "rpc/test_support.h"

namespace companion::rpc {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a && b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator&&;
using test_support::run_coroutine;
using Json = nlohmann::json;
using Socket = asio::local::stream_protocol::socket;
using Ex = asio::any_io_executor;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

// The far end of a socketpair, speaking lines by hand.
class Peer {
 public:
  explicit Peer(Socket socket) : socket_(std::move(socket)) {}

  asio::awaitable<void> send_raw(std::string text) {
    co_await asio::async_write(socket_, asio::buffer(text), kNoThrow);
  }
  asio::awaitable<void> send(Json message) { co_await send_raw(message.dump() + "\n"); }
  // The next line as JSON; null at the end of the stream.
  asio::awaitable<Json> receive() {
    auto [ec, n] = co_await asio::async_read_until(socket_, buffer_, '\n', kNoThrow);
    if (ec) co_return Json();
    std::string line(asio::buffers_begin(buffer_.data()),
                     asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
    buffer_.consume(n);
    co_return Json::parse(line);
  }
  void close() { socket_.close(); }

 private:
  Socket socket_;
  asio::streambuf buffer_;
};

struct Pair {
  std::unique_ptr<Connection> connection;
  std::unique_ptr<Peer> peer;
  std::vector<std::string> logs;
  std::vector<std::pair<std::string, Json>> notifications;
};

std::unique_ptr<Pair> make_pair(const Ex& ex, std::size_t max_line = kDefaultMaxLine) {
  auto pair = std::make_unique<Pair>();
  Socket a(ex), b(ex);
  asio::local::connect_pair(a, b);
  ConnectionOptions options;
  options.max_line = max_line;
  options.peer_name = "the peer";
  options.log = [p = pair.get()](std::string_view line) { p->logs.emplace_back(line); };
  pair->connection = std::make_unique<Connection>(
      ex, std::make_unique<StreamTransport>(std::move(a), "the peer"), options);
  pair->connection->set_notification_handler(
      [p = pair.get()](const std::string& method, const Json& params) {
        p->notifications.emplace_back(method, params);
      });
  pair->peer = std::make_unique<Peer>(std::move(b));
  pair->connection->start();
  return pair;
}

// Reads one request and answers it with `answer` merged into {"id": ...}.
asio::awaitable<Json> answer_next(Peer& peer, Json answer) {
  Json request = co_await peer.receive();
  answer["id"] = request["id"];
  co_await peer.send(answer);
  co_return request;
}

TEST(ConnectionTest, RequestGetsItsResponse) {
  auto [reply, sent] = run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<Reply, Json>> {
    auto p = make_pair(ex);
    Json params = {{"a", 1}};
    Json answer = {{"result", {{"userAgent", "x"}}}};
    auto both =
        co_await (p->connection->request("initialize", params) && answer_next(*p->peer, answer));
    co_await p->connection->shutdown();
    co_return both;
  });
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.result["userAgent"], "x");
  EXPECT_EQ(sent["method"], "initialize");
  EXPECT_EQ(sent["params"]["a"], 1);
  EXPECT_TRUE(sent["id"].is_number_integer());
  EXPECT_FALSE(sent.contains("jsonrpc"));
}

TEST(ConnectionTest, ErrorResponseKeepsCodeMessageAndData) {
  Reply reply = run_coroutine([](Ex ex) -> asio::awaitable<Reply> {
    auto p = make_pair(ex);
    Json answer = {{"error", {{"code", -32601}, {"message", "unknown method"}, {"data", 5}}}};
    auto [r, ignored] = co_await (p->connection->request("thread/name/set", Json::object()) &&
                                  answer_next(*p->peer, answer));
    co_await p->connection->shutdown();
    co_return r;
  });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, RpcError::Kind::kRemote);
  EXPECT_EQ(reply.error->code, -32601);
  EXPECT_EQ(reply.error->message, "unknown method");
  EXPECT_EQ(reply.error->data, 5);
}

TEST(ConnectionTest, ResponsesMatchedByIdOutOfOrder) {
  auto [first, second] = run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<Reply, Reply>> {
    auto p = make_pair(ex);
    auto server = [&]() -> asio::awaitable<void> {
      Json a = co_await p->peer->receive();
      Json b = co_await p->peer->receive();
      Json answer_b = {{"id", b["id"]}, {"result", b["method"]}};
      Json answer_a = {{"id", a["id"]}, {"result", a["method"]}};
      co_await p->peer->send(answer_b);
      co_await p->peer->send(answer_a);
    };
    Json none = Json::object();
    asio::co_spawn(ex, server(), asio::detached);
    auto [r1, r2] =
        co_await (p->connection->request("one", none) && p->connection->request("two", none));
    co_await p->connection->shutdown();
    co_return std::make_tuple(r1, r2);
  });
  EXPECT_EQ(first.result, "one");
  EXPECT_EQ(second.result, "two");
}

TEST(ConnectionTest, NotificationsDeliveredInOrderEvenBeforeResponses) {
  auto p_notes =
      run_coroutine([](Ex ex) -> asio::awaitable<std::vector<std::pair<std::string, Json>>> {
        auto p = make_pair(ex);
        auto server = [&]() -> asio::awaitable<void> {
          Json request = co_await p->peer->receive();
          co_await p->peer->send_raw(
              "{\"method\":\"configWarning\",\"params\":{\"summary\":\"s\"}}\n"
              "{\"method\":\"initialized\"}\n");
          Json answer = {{"id", request["id"]}, {"result", Json::object()}};
          co_await p->peer->send(answer);
        };
        Json none = Json::object();
        co_await (p->connection->request("initialize", none) && server());
        co_await p->connection->shutdown();
        co_return p->notifications;
      });
  ASSERT_EQ(p_notes.size(), 2u);
  EXPECT_EQ(p_notes[0].first, "configWarning");
  EXPECT_EQ(p_notes[0].second["summary"], "s");
  EXPECT_EQ(p_notes[1].first, "initialized");
  EXPECT_TRUE(p_notes[1].second.is_object());
}

TEST(ConnectionTest, ServerRequestsWithoutAHandlerAreRefusedAtOnce) {
  auto answers = run_coroutine([](Ex ex) -> asio::awaitable<std::vector<Json>> {
    auto p = make_pair(ex);
    Json approval = {{"id", 7},
                     {"method", "item/commandExecution/requestApproval"},
                     {"params", {{"threadId", "t"}}}};
    Json unknown = {{"id", "s-1"}, {"method", "something/new"}};
    co_await p->peer->send(approval);
    co_await p->peer->send(unknown);
    std::vector<Json> out;
    out.push_back(co_await p->peer->receive());
    out.push_back(co_await p->peer->receive());
    co_await p->connection->shutdown();
    co_return out;
  });
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0]["id"], 7);
  EXPECT_EQ(answers[0]["error"]["code"], kMethodNotFound);
  EXPECT_EQ(answers[1]["id"], "s-1");
  EXPECT_EQ(answers[1]["error"]["code"], kMethodNotFound);
  for (const auto& a : answers) EXPECT_FALSE(a.contains("jsonrpc"));
}

TEST(ConnectionTest, HandlerAnswersServerRequestsByIdLaterAndInAnyOrder) {
  auto [answers, seen] = run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<std::vector<Json>,
                                                                               std::vector<Json>>> {
    auto p = make_pair(ex);
    std::vector<ServerRequest> held;
    p->connection->set_server_request_handler(
        [&](const ServerRequest& request) { held.push_back(request); });
    Json question = {
        {"id", 7}, {"method", "item/tool/requestUserInput"}, {"params", {{"threadId", "t"}}}};
    Json approval = {{"id", "s-1"}, {"method", "item/fileChange/requestApproval"}, {"params", {}}};
    co_await p->peer->send(question);
    co_await p->peer->send(approval);
    while (held.size() < 2) co_await sleep_for(milliseconds(5));
    // Answered in reverse order, one with an error.
    p->connection->respond_error(held[1].id, kInvalidRequest, "no");
    Json answer = {{"answers", Json::object()}};
    p->connection->respond(held[0].id, answer);
    std::vector<Json> out;
    out.push_back(co_await p->peer->receive());
    out.push_back(co_await p->peer->receive());
    std::vector<Json> ids = {held[0].id, held[1].id, held[0].params};
    co_await p->connection->shutdown();
    co_return std::make_tuple(out, ids);
  });
  EXPECT_EQ(seen[0], 7);
  EXPECT_EQ(seen[1], "s-1");
  EXPECT_EQ(seen[2], Json({{"threadId", "t"}}));
  EXPECT_EQ(answers[0], Json({{"id", "s-1"}, {"error", {{"code", -32600}, {"message", "no"}}}}));
  EXPECT_EQ(answers[1], Json({{"id", 7}, {"result", {{"answers", Json::object()}}}}));
}

TEST(ConnectionTest, MalformedLinesAreSkippedAndCounted) {
  auto [reply,
        malformed] = run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<Reply, std::size_t>> {
    auto p = make_pair(ex);
    auto server = [&]() -> asio::awaitable<void> {
      Json request = co_await p->peer->receive();
      co_await p->peer->send_raw("not json\n[1,2]\n{\"id\":\"zz\",\"result\":1}\n{\"x\":1}\n\r\n");
      Json answer = {{"id", request["id"]}, {"result", "fine"}};
      co_await p->peer->send(answer);
    };
    Json none = Json::object();
    Reply r = co_await (p->connection->request("a", none) && server());
    std::size_t count = p->connection->malformed_lines();
    // A response to a request we never sent (any id) is logged, not counted as malformed.
    EXPECT_THAT(p->logs, ::testing::Contains(HasSubstr("unknown request \"zz\"")));
    co_await p->connection->shutdown();
    co_return std::make_tuple(r, count);
  });
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.result, "fine");
  EXPECT_EQ(malformed, 3u);
}

TEST(ConnectionTest, OversizedLineFailsTheConnectionAndPendingRequests) {
  auto [reply, reason] =
      run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<Reply, std::string>> {
        auto p = make_pair(ex, 1024);
        auto server = [&]() -> asio::awaitable<void> {
          co_await p->peer->receive();
          co_await p->peer->send_raw(std::string(5000, 'x'));
        };
        Json none = Json::object();
        Reply r = co_await (p->connection->request("a", none) && server());
        EXPECT_TRUE(p->connection->closed());
        std::string why = p->connection->close_info().describe();
        co_await p->connection->shutdown();
        co_return std::make_tuple(r, why);
      });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, RpcError::Kind::kClosed);
  EXPECT_THAT(reply.error->message, HasSubstr("longer than the 1 KiB limit"));
  EXPECT_THAT(reply.error->message, HasSubstr("while waiting for the answer to a"));
  EXPECT_EQ(reason, "the peer sent a line longer than the 1 KiB limit");
}

TEST(ConnectionTest, PeerCloseFailsPendingRequestsWithTheReason) {
  auto [first, later] = run_coroutine([](Ex ex) -> asio::awaitable<std::tuple<Reply, Reply>> {
    auto p = make_pair(ex);
    auto server = [&]() -> asio::awaitable<void> {
      co_await p->peer->receive();
      p->peer->close();
    };
    Json none = Json::object();
    Reply r = co_await (p->connection->request("turn/start", none) && server());
    co_await p->connection->wait_closed();
    Reply after = co_await p->connection->request("turn/interrupt", none);
    co_await p->connection->shutdown();
    co_return std::make_tuple(r, after);
  });
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error->kind, RpcError::Kind::kClosed);
  EXPECT_EQ(first.error->message,
            "the peer closed the connection while waiting for the answer to turn/start");
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error->kind, RpcError::Kind::kClosed);
  EXPECT_THAT(later.error->message, HasSubstr("before turn/interrupt was sent"));
}

TEST(ConnectionTest, RequestTimesOut) {
  Reply reply = run_coroutine([](Ex ex) -> asio::awaitable<Reply> {
    auto p = make_pair(ex);
    Json none = Json::object();
    Reply r = co_await p->connection->request("slow", none, milliseconds(50));
    co_await p->connection->shutdown();
    co_return r;
  });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, RpcError::Kind::kTimeout);
  EXPECT_EQ(reply.error->message, "the peer did not answer slow within 50 ms");
}

TEST(ConnectionTest, CancelledRequestIsForgottenAndLateAnswerIgnored) {
  auto logs = run_coroutine([](Ex ex) -> asio::awaitable<std::vector<std::string>> {
    auto p = make_pair(ex);
    Json none = Json::object();
    auto raced = co_await (p->connection->request("slow", none) || sleep_for(milliseconds(30)));
    EXPECT_EQ(raced.index(), 1u);
    Json one = {{"result", 1}};
    Json two = {{"result", 2}};
    co_await answer_next(*p->peer, one);
    // The late response is dropped, and the connection still works.
    auto [r, request] =
        co_await (p->connection->request("next", none) && answer_next(*p->peer, two));
    EXPECT_EQ(r.result, 2);
    co_await p->connection->shutdown();
    co_return p->logs;
  });
  EXPECT_THAT(logs, ::testing::Contains(HasSubstr("unknown request 1")));
}

TEST(ConnectionTest, ShutdownFailsPendingAndIsIdempotent) {
  Reply reply = run_coroutine([](Ex ex) -> asio::awaitable<Reply> {
    auto p = make_pair(ex);
    auto closer = [&]() -> asio::awaitable<void> {
      co_await sleep_for(milliseconds(20));
      co_await p->connection->shutdown("stopping");
    };
    Json none = Json::object();
    Reply r = co_await (p->connection->request("x", none) && closer());
    co_await p->connection->shutdown();
    co_return r;
  });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->message, "stopping while waiting for the answer to x");
}

TEST(ConnectionTest, EncodeReplacesInvalidUtf8) {
  std::string line = encode_message({{"text", std::string("a\xff", 2)}});
  EXPECT_EQ(line.back(), '\n');
  EXPECT_TRUE(Json::parse(line)["text"].is_string());
}

}  // namespace
}  // namespace companion::rpc
