#include "render/tokens.h"

#include <gtest/gtest.h>

namespace companion::render {
namespace {

TEST(TokenReport, GroupsDigits) {
  EXPECT_EQ(group_digits(0), "0");
  EXPECT_EQ(group_digits(999), "999");
  EXPECT_EQ(group_digits(1000), "1,000");
  EXPECT_EQ(group_digits(1234567), "1,234,567");
}

TEST(TokenReport, DescribesOneJob) {
  nlohmann::json usage = {{"inputTokens", 1000}, {"cachedInputTokens", 200},
                          {"outputTokens", 234}, {"reasoningOutputTokens", 10},
                          {"totalTokens", 1234}, {"modelContextWindow", nullptr}};
  EXPECT_EQ(describe_token_usage(usage),
            "1,234 tokens (input 1,000 of which 200 cached, output 234 of which 10 reasoning)");
  usage["cachedInputTokens"] = 0;
  usage["reasoningOutputTokens"] = 0;
  EXPECT_EQ(describe_token_usage(usage), "1,234 tokens (input 1,000, output 234)");
  EXPECT_EQ(describe_token_usage(nullptr), "");
}

TEST(TokenReport, TotalsOnlyJobsWithUsage) {
  nlohmann::json jobs = nlohmann::json::array();
  jobs.push_back({{"id", "a"}, {"tokenUsage", nullptr}});
  EXPECT_TRUE(total_token_usage(jobs).is_null());
  jobs.push_back({{"id", "b"}, {"tokenUsage", {{"inputTokens", 5}, {"totalTokens", 7}}}});
  jobs.push_back({{"id", "c"}, {"tokenUsage", {{"inputTokens", "x"}, {"totalTokens", 3}}}});
  auto total = total_token_usage(jobs);
  EXPECT_EQ(total["jobs"], 2);
  EXPECT_EQ(total["inputTokens"], 5);
  EXPECT_EQ(total["totalTokens"], 10);
  EXPECT_EQ(total["outputTokens"], 0);
}

}  // namespace
}  // namespace companion::render
