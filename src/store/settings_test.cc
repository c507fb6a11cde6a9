#include "store/settings.h"

#include <gtest/gtest.h>

namespace companion::store {
namespace {

TEST(SettingsTest, MaxParallelTakesAWholeNumberInRange) {
  EXPECT_EQ(*normalize_setting("max-parallel", "1"), "1");
  EXPECT_EQ(*normalize_setting("max-parallel", "64"), "64");
  for (const char* bad : {"0", "-1", "65", "two", "1.5", "", " 2", "2 ", "+3", "0x4"}) {
    auto r = normalize_setting("max-parallel", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("max-parallel"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("from 1 to 64"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

TEST(SettingsTest, NotifyTakesOneLineOfBoundedLength) {
  EXPECT_EQ(*normalize_setting("notify", "notify-send 'Codex done'"), "notify-send 'Codex done'");
  EXPECT_FALSE(normalize_setting("notify", "").ok());
  EXPECT_FALSE(normalize_setting("notify", "   ").ok());
  EXPECT_FALSE(normalize_setting("notify", "a\nb").ok());
  EXPECT_FALSE(normalize_setting("notify", "a\x1b[2Jb").ok());
  EXPECT_FALSE(normalize_setting("notify", std::string(kMaxNotifyBytes + 1, 'x')).ok());
  EXPECT_TRUE(normalize_setting("notify", std::string(kMaxNotifyBytes, 'x')).ok());
}

TEST(SettingsTest, ReviewGateIsBoolean) {
  EXPECT_EQ(*normalize_setting("stopReviewGate", "on"), "true");
  EXPECT_EQ(*normalize_setting("stopReviewGate", "false"), "false");
  EXPECT_FALSE(normalize_setting("stopReviewGate", "yes please").ok());
}

TEST(SettingsTest, UnknownKeyNamesTheKnownOnes) {
  auto r = normalize_setting("max_parallel", "2");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown setting 'max_parallel'"), std::string::npos);
  EXPECT_NE(r.error().message.find("max-parallel, notify, stopReviewGate"), std::string::npos);
}

TEST(SettingsTest, MaxParallelDefaultAndUnreadableStoredValue) {
  EXPECT_EQ(max_parallel_from(std::nullopt), kDefaultMaxParallel);
  EXPECT_EQ(max_parallel_from("3"), 3u);
  EXPECT_EQ(max_parallel_from("garbage"), kDefaultMaxParallel);
  EXPECT_EQ(max_parallel_from("0"), kDefaultMaxParallel);
  // The shown default is the constant.
  EXPECT_EQ(std::string(known_settings()[0].default_text), std::to_string(kDefaultMaxParallel));
}

TEST(SettingsTest, QueuePositionsCountFromOneInStartOrder) {
  std::vector<std::string> waiting = {"task-a", "task-b", "task-c"};
  EXPECT_EQ(queue_position(waiting, "task-a"), 1u);
  EXPECT_EQ(queue_position(waiting, "task-c"), 3u);
  EXPECT_EQ(queue_position(waiting, "task-z"), std::nullopt);
  EXPECT_EQ(queue_position({}, "task-a"), std::nullopt);
}

}  // namespace
}  // namespace companion::store
