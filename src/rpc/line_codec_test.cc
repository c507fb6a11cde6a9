#include "rpc/line_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace companion::rpc {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(LineCodecTest, SplitsCompleteLines) {
  LineCodec codec;
  std::vector<std::string> lines;
  ASSERT_TRUE(codec.feed("{\"a\":1}\n{\"b\":2}\n", lines).ok());
  EXPECT_THAT(lines, ElementsAre("{\"a\":1}", "{\"b\":2}"));
  EXPECT_EQ(codec.buffered(), 0u);
}

TEST(LineCodecTest, JoinsPartialChunks) {
  LineCodec codec;
  std::vector<std::string> lines;
  ASSERT_TRUE(codec.feed("{\"me", lines).ok());
  EXPECT_THAT(lines, IsEmpty());
  EXPECT_EQ(codec.buffered(), 4u);
  ASSERT_TRUE(codec.feed("thod\":", lines).ok());
  ASSERT_TRUE(codec.feed("1}\n{\"x", lines).ok());
  EXPECT_THAT(lines, ElementsAre("{\"method\":1}"));
  ASSERT_TRUE(codec.feed("\":2}\n", lines).ok());
  EXPECT_THAT(lines, ElementsAre("{\"method\":1}", "{\"x\":2}"));
}

TEST(LineCodecTest, ByteAtATime) {
  LineCodec codec;
  std::vector<std::string> lines;
  for (char c : std::string("ab\ncd\r\n\ne\n")) {
    ASSERT_TRUE(codec.feed(std::string_view(&c, 1), lines).ok());
  }
  EXPECT_THAT(lines, ElementsAre("ab", "cd", "e"));
}

TEST(LineCodecTest, StripsCrAndSkipsEmptyLines) {
  LineCodec codec;
  std::vector<std::string> lines;
  ASSERT_TRUE(codec.feed("one\r\n\r\n\n\ntwo\r\n", lines).ok());
  EXPECT_THAT(lines, ElementsAre("one", "two"));
}

TEST(LineCodecTest, LineAtTheLimitPasses) {
  LineCodec codec(8);
  std::vector<std::string> lines;
  ASSERT_TRUE(codec.feed("12345678\n", lines).ok());
  ASSERT_TRUE(codec.feed("1234", lines).ok());
  ASSERT_TRUE(codec.feed("5678", lines).ok());
  EXPECT_EQ(codec.buffered(), 8u);
  ASSERT_TRUE(codec.feed("\n", lines).ok());
  EXPECT_THAT(lines, ElementsAre("12345678", "12345678"));
}

TEST(LineCodecTest, OversizedLineFailsAndStaysFailed) {
  LineCodec codec(8);
  std::vector<std::string> lines;
  Status st = codec.feed("ok\n123456789\nlater\n", lines);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, ::testing::HasSubstr("longer than the 8 bytes limit"));
  EXPECT_THAT(lines, ElementsAre("ok"));
  EXPECT_TRUE(codec.failed());
  EXPECT_EQ(codec.buffered(), 0u);
  EXPECT_FALSE(codec.feed("x\n", lines).ok());
  EXPECT_THAT(lines, ElementsAre("ok"));
}

TEST(LineCodecTest, OversizedAcrossChunksNeverBuffersPastTheBound) {
  LineCodec codec(1024);
  std::vector<std::string> lines;
  std::string chunk(300, 'x');
  Status st;
  int fed = 0;
  while ((st = codec.feed(chunk, lines)).ok()) {
    ++fed;
    EXPECT_LE(codec.buffered(), 1024u);
    ASSERT_LT(fed, 10);
  }
  EXPECT_EQ(fed, 3);  // 900 bytes fit, 1200 do not
  EXPECT_THAT(lines, IsEmpty());
}

TEST(LineCodecTest, DefaultLimitIsSixteenMiB) {
  LineCodec codec;
  EXPECT_EQ(codec.max_line(), 16u * 1024 * 1024);
  EXPECT_EQ(describe_size(codec.max_line()), "16 MiB");
  EXPECT_EQ(describe_size(2048), "2 KiB");
  EXPECT_EQ(describe_size(100), "100 bytes");
}

}  // namespace
}  // namespace companion::rpc
