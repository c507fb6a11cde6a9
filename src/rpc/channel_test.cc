#include "rpc/channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <asio/local/connect_pair.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include "rpc/event.h"
#include "rpc/jsonrpc.h"
#include "rpc/stream_transport.h"
#include "rpc/test_support.h"

namespace companion::rpc {
namespace {

using test_support::run_coroutine;
using Json = nlohmann::json;
using Socket = asio::local::stream_protocol::socket;
using Ex = asio::any_io_executor;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

struct Pair {
  std::unique_ptr<Channel> channel;
  Socket peer;
  std::vector<Json> received;
  std::vector<std::string> malformed;
  std::vector<std::string> closes;
};

// What a test checks once the coroutine is over. The Pair itself (its sockets and channel) must
// go before the io_context does, inside the coroutine: a socket destroyed after its io_context
// touches the freed socket service (ASan: heap-use-after-free).
struct Seen {
  std::vector<Json> received;
  std::vector<std::string> malformed;
  std::vector<std::string> closes;
  std::size_t malformed_lines = 0;
  bool protocol_error = false;
};

Seen seen(const Pair& p) {
  return Seen{p.received, p.malformed, p.closes, p.channel->malformed_lines(),
              p.channel->close_info().protocol_error};
}

std::unique_ptr<Pair> make_pair(const Ex& ex, std::size_t max_queued) {
  Socket a(ex), b(ex);
  asio::local::connect_pair(a, b);
  auto pair = std::unique_ptr<Pair>(new Pair{nullptr, std::move(b), {}, {}, {}});
  ChannelOptions options;
  options.max_queued = max_queued;
  options.peer_name = "the client";
  pair->channel = std::make_unique<Channel>(
      ex, std::make_unique<StreamTransport>(std::move(a), "the client"), options);
  Pair* p = pair.get();
  pair->channel->set_message_handler(
      [p](Json& message, std::string_view) { p->received.push_back(std::move(message)); });
  pair->channel->set_malformed_handler(
      [p](std::string_view line) { p->malformed.emplace_back(line); });
  pair->channel->set_close_handler(
      [p](const CloseInfo& info) { p->closes.push_back(info.describe()); });
  pair->channel->start();
  return pair;
}

TEST(ChannelTest, DeliversObjectsAndReportsMalformedLines) {
  auto pair = run_coroutine([](Ex ex) -> asio::awaitable<Seen> {
    auto p = make_pair(ex, 0);
    std::string text = "{\"method\":\"a\"}\nnot json\n[1]\n{\"id\":\"x\",\"result\":2}\n";
    co_await asio::async_write(p->peer, asio::buffer(text), kNoThrow);
    while (p->received.size() < 2) co_await sleep_for(milliseconds(5));
    co_await p->channel->shutdown();
    co_return seen(*p);
  });
  ASSERT_EQ(pair.received.size(), 2u);
  EXPECT_EQ(pair.received[0]["method"], "a");
  EXPECT_EQ(pair.received[1]["id"], "x");
  EXPECT_THAT(pair.malformed, ::testing::ElementsAre("not json", "[1]"));
  EXPECT_EQ(pair.malformed_lines, 2u);
}

// Fault: a line of 1,000,000 nested arrays was parsed whole and handed on; the broker's Router
// copied it to forward it and overflowed the stack, killing the broker under every client.
TEST(ChannelTest, LineNestedDeeperThanTheBoundIsMalformed) {
  auto pair = run_coroutine([](Ex ex) -> asio::awaitable<Seen> {
    auto p = make_pair(ex, 0);
    std::string deep = "{\"id\":1,\"method\":\"x\",\"params\":" + std::string(100000, '[') +
                       std::string(100000, ']') + "}\n";
    std::string text = deep + "{\"method\":\"after\"}\n";
    co_await asio::async_write(p->peer, asio::buffer(text), kNoThrow);
    while (p->received.empty()) co_await sleep_for(milliseconds(5));
    co_await p->channel->shutdown();
    co_return seen(*p);
  });
  ASSERT_EQ(pair.received.size(), 1u);
  EXPECT_EQ(pair.received[0]["method"], "after");
  EXPECT_EQ(pair.malformed.size(), 1u);
  EXPECT_EQ(pair.malformed_lines, 1u);
}

TEST(ChannelTest, CoalescedOutputArrivesInOrder) {
  auto lines = run_coroutine([](Ex ex) -> asio::awaitable<std::vector<Json>> {
    auto p = make_pair(ex, 0);
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(p->channel->send({{"n", i}}));
    co_await p->channel->flush(milliseconds(2000));
    EXPECT_EQ(p->channel->queued_bytes(), 0u);
    asio::streambuf buffer;
    std::vector<Json> out;
    while (out.size() < 1000) {
      auto [ec, n] = co_await asio::async_read_until(p->peer, buffer, '\n', kNoThrow);
      if (ec) break;
      std::string line(asio::buffers_begin(buffer.data()),
                       asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n));
      buffer.consume(n);
      out.push_back(Json::parse(line));
    }
    co_await p->channel->shutdown();
    co_return out;
  });
  ASSERT_EQ(lines.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)]["n"], i);
}

// A peer that never reads: output beyond the bound closes the channel instead of growing.
TEST(ChannelTest, PeerThatDoesNotReadOverflowsAndIsClosed) {
  auto pair = run_coroutine([](Ex ex) -> asio::awaitable<Seen> {
    auto p = make_pair(ex, 64 * 1024);
    std::string line(1000, 'x');
    line = Json({{"pad", line}}).dump();
    int sent = 0;
    while (p->channel->send_line(line) && sent < 100000) {
      ++sent;
      EXPECT_LE(p->channel->queued_bytes(), 64u * 1024);
      if (sent % 50 == 0) co_await sleep_for(milliseconds(1));  // let the writer fill the socket
    }
    EXPECT_LT(sent, 100000);
    EXPECT_TRUE(p->channel->closed());
    EXPECT_FALSE(p->channel->send_line(line));
    EXPECT_LE(p->channel->queued_bytes(), 64u * 1024);
    co_await sleep_for(milliseconds(10));  // the close handler runs later, not inside send
    co_await p->channel->shutdown();
    co_return seen(*p);
  });
  ASSERT_EQ(pair.closes.size(), 1u);
  EXPECT_THAT(pair.closes[0],
              HasSubstr("the client is not reading its messages (more than 64 KiB"));
  EXPECT_TRUE(pair.protocol_error);
}

TEST(ChannelTest, CloseHandlerRunsOnceWhenThePeerLeaves) {
  auto pair = run_coroutine([](Ex ex) -> asio::awaitable<Seen> {
    auto p = make_pair(ex, 0);
    p->peer.close();
    co_await p->channel->wait_closed();
    co_await sleep_for(milliseconds(10));
    co_await p->channel->shutdown("later");
    co_return seen(*p);
  });
  ASSERT_EQ(pair.closes.size(), 1u);
  EXPECT_EQ(pair.closes[0], "the client closed the connection");
}

}  // namespace
}  // namespace companion::rpc
